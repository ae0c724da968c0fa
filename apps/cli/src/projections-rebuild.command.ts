import { SingleBar } from 'cli-progress';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import type { ProjectionReport } from '@accounts/projections/ops/projection-status';
import { openCliInfrastructure } from './cli-infrastructure';
import { reportingErrors } from './cli-errors';
import { ACTOR_OPTION, type ActorOption, cliOperator } from './cli-operator';

/**
 * `projections rebuild <name>`: asks for a blue/green rebuild and follows it with a progress bar until the new version
 * is live. The rebuild runs in the process that owns the projection, not here: Ctrl-C only stops watching, and the
 * same command later picks the rebuild up again (as it does one that was interrupted by a restart, from its own
 * checkpoint).
 */
@SubCommand({ name: 'rebuild', arguments: '<name>', description: 'rebuild a projection blue/green beside the live one, with progress' })
export class ProjectionsRebuildCommand extends CommandRunner {
  run(parameters: string[], options: { detach?: boolean } & ActorOption): Promise<void> {
    return reportingErrors(() => this.execute(parameters, options));
  }

  private async execute([name]: string[], options: { detach?: boolean } & ActorOption): Promise<void> {
    const operator = cliOperator(options);
    const infrastructure = openCliInfrastructure();
    let bar: SingleBar | undefined;
    const detach = () => {
      bar?.stop();
      process.stdout.write('\nStopped watching. The rebuild goes on; run the same command to follow it again.\n');
      void infrastructure.close().finally(() => process.exit(130));
    };
    try {
      const { version, resumed } = await infrastructure.operations.rebuild(name!, operator);
      process.stdout.write(`${resumed ? 'Following the rebuild under way' : 'Rebuilding'}: ${name} version ${version}, beside the live version.\n`);
      if (options.detach) return;
      process.once('SIGINT', detach);
      const started = Date.now();
      const speed = new RateMeter();
      let warnedNoOwner = false;
      bar = new SingleBar({
        format: '{projection} v{version} [{bar}] {percentage}% | {processed} events | {rate} ev/s | ETA {eta_formatted}',
        hideCursor: true,
        noTTYOutput: true,
        notTTYSchedule: 2_000,
      });
      bar.start(1000, 0, { projection: name, version, processed: '0', rate: '-' });
      for (;;) {
        const reports = await infrastructure.status.report();
        const mine = reports.find((report) => report.name === name && report.version === version);
        if (!mine) throw new Error(`version ${version} of ${name} is no longer being built (withdrawn)`);
        if (mine.state === 'live') {
          bar.update(1000, { processed: mine.eventsProcessed.toLocaleString('en-US') });
          bar.stop();
          process.stdout.write(`${name} version ${version} is live; the previous version was dropped. Watched for ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
          return;
        }
        if (!mine.owner && !warnedNoOwner) {
          warnedNoOwner = true;
          process.stdout.write(`\nNo running process owns ${name}: start the projectors (npm run start:projections) and the rebuild proceeds.\n`);
        }
        const rate = speed.sample(mine.eventsProcessed);
        bar.update(Math.floor(progressOf(mine) * 1000), {
          processed: mine.eventsProcessed.toLocaleString('en-US'),
          rate: rate === undefined ? '-' : Math.round(rate).toLocaleString('en-US'),
        });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      process.off('SIGINT', detach);
      bar?.stop();
      await infrastructure.close();
    }
  }

  @Option({ flags: '--detach', description: 'start (or find) the rebuild and return without watching it' })
  parseDetach(): boolean {
    return true;
  }

  @Option(ACTOR_OPTION)
  parseActor(value: string): string {
    return value;
  }
}

function progressOf(report: ProjectionReport): number {
  return Math.max(0, Math.min(0.999, report.progress ?? 0));
}

/** Events per second over the last few seconds of samples (the bar's own ETA uses its percentage). */
export class RateMeter {
  private readonly samples: { at: number; count: number }[] = [];

  constructor(
    private readonly windowMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  sample(count: number): number | undefined {
    const at = this.now();
    this.samples.push({ at, count });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    return at > first.at ? ((count - first.count) * 1000) / (at - first.at) : undefined;
  }
}
