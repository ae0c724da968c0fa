import { CommandRunner, Option, SubCommand } from 'nest-commander';
import type { ProjectionReport } from '@accounts/projections/ops/projection-status';
import type { EventVisibility } from '@accounts/projections/ops/visibility-horizon';
import { openCliInfrastructure } from './cli-infrastructure';
import { reportingErrors } from './cli-errors';

/** `projections status`: each projection's state, checkpoint, lag and dead letters. */
@SubCommand({ name: 'status', description: 'show each projection: state, checkpoint, lag in events and seconds, dead letters' })
export class ProjectionsStatusCommand extends CommandRunner {
  run(_parameters: string[], options: { json?: boolean }): Promise<void> {
    return reportingErrors(() => this.execute(options));
  }

  private async execute(options: { json?: boolean }): Promise<void> {
    const infrastructure = openCliInfrastructure();
    try {
      const [reports, visibility] = await Promise.all([infrastructure.status.report(), infrastructure.status.visibility()]);
      process.stdout.write(options.json ? `${JSON.stringify(reports, null, 2)}\n` : formatTable(reports) + formatVisibility(visibility));
    } finally {
      await infrastructure.close();
    }
  }

  @Option({ flags: '--json', description: 'print JSON instead of a table' })
  parseJson(): boolean {
    return true;
  }
}

export function formatTable(reports: ProjectionReport[]): string {
  const header = ['projection', 'version', 'state', 'checkpoint', 'processed', 'lag (events)', 'lag (s)', 'dead letters', 'owner'];
  const rows = reports.map((r) => [
    r.name,
    String(r.version),
    stateOf(r),
    r.checkpoint ?? '-',
    r.eventsProcessed >= 0 ? r.eventsProcessed.toLocaleString('en-US') : '-',
    `${r.lagEventsCapped ? '≥' : ''}${r.lagEvents.toLocaleString('en-US')}`,
    r.lagSeconds.toFixed(1),
    String(r.deadLetters),
    r.owner ? r.owner.holder : r.owner === null ? 'none' : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** A line under the table when a transaction somewhere in the cluster hides committed events from every reader. */
export function formatVisibility(visibility: EventVisibility | undefined): string {
  if (!visibility?.holder) return '';
  const { holder } = visibility;
  return (
    `\nevents held back: ${visibility.invisibleEvents.toLocaleString('en-US')} committed but not yet visible, for ${visibility.heldSeconds.toFixed(1)} s, ` +
    `by pid ${holder.pid} (database ${holder.database ?? 'unknown'}, ${holder.state ?? 'unknown state'}, transaction open ${holder.ageSeconds.toFixed(1)} s)\n`
  );
}

function stateOf(report: ProjectionReport): string {
  const state = report.progress !== undefined ? `${report.state} ${(report.progress * 100).toFixed(1)}%` : report.state;
  return report.paused ? `${state} (paused)` : state;
}
