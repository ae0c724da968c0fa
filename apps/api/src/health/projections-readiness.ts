import type { Pool } from 'pg';
import type { EventStore } from '@accounts/event-store';
import { PROJECTION_NAMES } from '@accounts/projections/ops/projection-operations';
import { ProjectionStatusReader } from '@accounts/projections/ops/projection-status';
import type { ReadinessCheck } from './readiness-check';

/** How far behind (age of the oldest unprocessed event) a live projection may be before readiness fails. */
const PROJECTION_LAG_LIMIT_SECONDS = 60;
/** How long a transaction anywhere in the cluster may hide committed events before readiness fails, by default. */
const DEFAULT_VISIBILITY_HOLD_LIMIT_SECONDS = 30;

/** A readiness failure with a detail that is safe to show (names and numbers only). */
export class NotReadyError extends Error {
  constructor(
    name: string,
    readonly detail: Record<string, unknown>,
  ) {
    super(name);
    this.name = name;
  }
}

/**
 * Queries read what projectors built, so an instance is ready only if every projection is live, is being run by some
 * process (its lease's heartbeat is fresh: a projection nobody runs never catches up, however small its lag looks
 * right now), is not far behind, and no transaction anywhere in the cluster has hidden committed events for longer
 * than `VISIBILITY_HOLD_LIMIT_SECONDS` (default 30).
 */
export function projectionsReadiness(pool: Pool, eventStore: EventStore, env: NodeJS.ProcessEnv = process.env): ReadinessCheck {
  const holdLimitSeconds = Number(env.VISIBILITY_HOLD_LIMIT_SECONDS) || DEFAULT_VISIBILITY_HOLD_LIMIT_SECONDS;
  return {
    name: 'projections',
    check: async () => {
      const status = new ProjectionStatusReader(pool, eventStore);
      const [reports, visibility] = await Promise.all([status.report(), status.visibility()]);
      const live = reports.filter((report) => report.state === 'live');
      const notRunning = PROJECTION_NAMES.filter((name) => !live.some((report) => report.name === name && report.owner));
      const lagging = live.filter((report) => report.lagSeconds > PROJECTION_LAG_LIMIT_SECONDS).map((report) => report.name);
      if (notRunning.length > 0) throw new NotReadyError('ProjectionsNotRunning', { notRunning });
      if (lagging.length > 0) throw new NotReadyError('ProjectionsLagging', { lagging });
      // Lag is measured against what readers can see; events hidden by a long transaction are not in it.
      if (visibility && visibility.heldSeconds > holdLimitSeconds) {
        throw new NotReadyError('EventsHeldBack', { invisibleEvents: visibility.invisibleEvents, heldSeconds: visibility.heldSeconds, holder: visibility.holder });
      }
      return { maxLagSeconds: Math.max(0, ...live.map((report) => report.lagSeconds)), ...(visibility ? { invisibleEvents: visibility.invisibleEvents } : {}) };
    },
  };
}
