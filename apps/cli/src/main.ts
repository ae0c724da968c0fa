import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { Command, CommandFactory, CommandRunner } from 'nest-commander';
import { AuditCommand } from './audit/audit.command';
import { ProjectionsPauseCommand, ProjectionsResumeCommand, ProjectionsRetryDeadLettersCommand } from './projections-control.command';
import { ProjectionsRebuildCommand } from './projections-rebuild.command';
import { ProjectionsStatusCommand } from './projections-status.command';

/** `accounts projections <subcommand>`: what operators run against a live service's stores. */
@Command({
  name: 'projections',
  description: 'watch and operate the projections',
  subCommands: [ProjectionsStatusCommand, ProjectionsRebuildCommand, ProjectionsPauseCommand, ProjectionsResumeCommand, ProjectionsRetryDeadLettersCommand],
})
class ProjectionsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

@Module({ providers: [ProjectionsCommand, ...ProjectionsCommand.registerWithSubCommands(), AuditCommand, ...AuditCommand.registerWithSubCommands()] })
class CliModule {}

void CommandFactory.run(CliModule, { logger: false, errorHandler: (error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
} });
