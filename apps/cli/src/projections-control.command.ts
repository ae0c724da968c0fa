import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { openCliInfrastructure } from './cli-infrastructure';
import { reportingErrors } from './cli-errors';
import { ACTOR_OPTION, type ActorOption, cliOperator } from './cli-operator';

/** `projections pause <name>`: the owning process stops applying events within a second; queries keep answering. */
@SubCommand({ name: 'pause', arguments: '<name>', description: 'pause a projection (queries keep answering from where it stopped)' })
export class ProjectionsPauseCommand extends CommandRunner {
  run(parameters: string[], options: ActorOption): Promise<void> {
    return reportingErrors(() => this.execute(parameters, options));
  }

  private async execute([name]: string[], options: ActorOption): Promise<void> {
    const operator = cliOperator(options);
    const infrastructure = openCliInfrastructure();
    try {
      await infrastructure.operations.pause(name!, operator);
      process.stdout.write(`${name} paused.\n`);
    } finally {
      await infrastructure.close();
    }
  }

  @Option(ACTOR_OPTION)
  parseActor(value: string): string {
    return value;
  }
}

/** `projections resume <name>`: resumes from the stored checkpoint, so nothing is skipped. */
@SubCommand({ name: 'resume', arguments: '<name>', description: 'resume a paused projection from its checkpoint' })
export class ProjectionsResumeCommand extends CommandRunner {
  run(parameters: string[], options: ActorOption): Promise<void> {
    return reportingErrors(() => this.execute(parameters, options));
  }

  private async execute([name]: string[], options: ActorOption): Promise<void> {
    const operator = cliOperator(options);
    const infrastructure = openCliInfrastructure();
    try {
      await infrastructure.operations.resume(name!, operator);
      process.stdout.write(`${name} resumed.\n`);
    } finally {
      await infrastructure.close();
    }
  }

  @Option(ACTOR_OPTION)
  parseActor(value: string): string {
    return value;
  }
}

/** `projections retry-dead-letters <name>`: asks the owning process to apply the parked events again, and waits. */
@SubCommand({ name: 'retry-dead-letters', arguments: '<name>', description: "apply a projection's dead-lettered events again, after a fix" })
export class ProjectionsRetryDeadLettersCommand extends CommandRunner {
  run(parameters: string[], options: ActorOption): Promise<void> {
    return reportingErrors(() => this.execute(parameters, options));
  }

  private async execute([name]: string[], options: ActorOption): Promise<void> {
    const operator = cliOperator(options);
    const infrastructure = openCliInfrastructure();
    try {
      const id = await infrastructure.operations.retryDeadLetters(name!, operator);
      const outcome = (await infrastructure.operations.waitForRequest(id, 60_000)) as { retried?: number; resolved?: number; stillFailing?: number; error?: string } | undefined;
      if (!outcome) process.stdout.write(`Requested (request ${id}); no process carried it out within 60 s. Is a projector running?\n`);
      else if (outcome.error) process.stdout.write(`Not done: ${outcome.error}.\n`);
      else process.stdout.write(`${name}: ${outcome.retried} retried, ${outcome.resolved} applied, ${outcome.stillFailing} still failing.\n`);
    } finally {
      await infrastructure.close();
    }
  }

  @Option(ACTOR_OPTION)
  parseActor(value: string): string {
    return value;
  }
}
