import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { Command, CommandFactory, CommandRunner, RootCommand } from 'nest-commander';
import { AuditCommand } from './audit/audit.command';
import { helpOrUnknownCommand } from './cli-errors';
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
  async run(operands: string[]): Promise<void> {
    helpOrUnknownCommand(this.command, operands);
  }
}

/** The program itself, so that help and errors name it `accounts` rather than the script's file. */
@RootCommand({ name: 'accounts', description: "operators' and audit reviewers' commands against the service's stores" })
class AccountsCommand extends CommandRunner {
  async run(operands: string[]): Promise<void> {
    helpOrUnknownCommand(this.command, operands);
  }
}

@Module({
  providers: [AccountsCommand, ProjectionsCommand, ...ProjectionsCommand.registerWithSubCommands(), AuditCommand, ...AuditCommand.registerWithSubCommands()],
})
class CliModule {}

void CommandFactory.run(CliModule, {
  logger: false,
  // Commander has already printed what went wrong (or the help asked for); only its exit code is left: 0 for
  // `--help`, 1 for an unknown command or option. Failures inside a command print through reportingErrors.
  errorHandler: (error) => process.exit((error as Error & { exitCode?: number }).exitCode ?? 1),
});
