import type { Pool } from 'pg';
import { type EventStore, formatPosition, type Position } from '@accounts/event-store';
import { type EventVisibility, readVisibilityHorizon } from './visibility-horizon';

export interface ProjectionReport {
  name: string;
  version: number;
  /** live: serving queries; building: a rebuild in progress (beside the live version). */
  state: string;
  paused: boolean;
  checkpoint: string | null;
  eventsProcessed: number;
  /** Events in $all after the checkpoint, counted up to `LAG_COUNT_LIMIT` (then reported as that number). */
  lagEvents: number;
  lagEventsCapped: boolean;
  /** Age of the oldest unprocessed event, 0 when caught up. */
  lagSeconds: number;
  deadLetters: number;
  updatedAt: string;
  /** The process running this projection (`host:pid`) and how long since it last checked in; null when none is. */
  owner?: { holder: string; heartbeatAgeSeconds: number } | null;
  /** For a version being built: the share of $all it has processed (0..1), and when it started. */
  progress?: number;
  startedAt?: string;
}

export const LAG_COUNT_LIMIT = 10_000;
/** A rebuild's progress counts events up to this many (the count costs one index scan). */
const PROGRESS_COUNT_LIMIT = 50_000_000;
/** A holder that has not checked in for this long is reported as none (its process is gone or stuck). */
const OWNER_STALE_SECONDS = 10;

/**
 * What operators see for each projection (`projections status`, `GET /v1/ops/projections`): where it is, how far
 * behind, who runs it, how many events it parked, and how far a rebuild has come. Lag is measured against the event
 * store itself, not the projector's own view, so a stuck projector shows a growing lag. Projections that keep their
 * checkpoint outside PostgreSQL (sessions, OpenSearch) are read from the mirror their supervisor keeps.
 */
export class ProjectionStatusReader {
  constructor(
    private readonly pool: Pool,
    private readonly eventStore: EventStore,
    private readonly now: () => number = Date.now,
  ) {}

  async report(): Promise<ProjectionReport[]> {
    const { rows } = await this.pool.query<{
      projection: string;
      version: number;
      state: string;
      paused: boolean;
      position_commit: string | null;
      position_prepare: string | null;
      events_processed: string;
      updated_at: Date;
      created_at: Date;
      dead_letters: string;
      holder: string | null;
      heartbeat_age: number | null;
    }>(
      `SELECT c.projection, c.version, c.state, c.paused, c.position_commit, c.position_prepare, c.events_processed, c.updated_at, c.created_at,
              (SELECT count(*) FROM projection_dead_letters d
                WHERE d.projection = c.projection AND d.version = c.version AND d.resolved_at IS NULL) AS dead_letters,
              l.holder, extract(epoch FROM clock_timestamp() - l.heartbeat_at)::float8 AS heartbeat_age
         FROM projection_checkpoints c LEFT JOIN projection_leases l ON l.projection = c.projection
        WHERE c.state <> 'retired'
        ORDER BY c.projection, c.version`,
    );
    return Promise.all(
      rows.map(async (row) => {
        const checkpoint: Position | undefined =
          row.position_commit != null ? { commit: BigInt(row.position_commit), prepare: BigInt(row.position_prepare!) } : undefined;
        const eventsProcessed = Number(row.events_processed);
        const owner = row.holder !== null && row.heartbeat_age !== null && row.heartbeat_age < OWNER_STALE_SECONDS
          ? { holder: row.holder, heartbeatAgeSeconds: Math.round(row.heartbeat_age * 10) / 10 }
          : null;
        const report: ProjectionReport = {
          name: row.projection,
          version: row.version,
          state: row.state,
          paused: row.paused,
          checkpoint: checkpoint ? formatPosition(checkpoint) : null,
          eventsProcessed,
          ...(await this.lag(checkpoint)),
          deadLetters: Number(row.dead_letters),
          updatedAt: row.updated_at.toISOString(),
          owner,
        };
        if (row.state === 'building') {
          report.progress = await this.progress(checkpoint, eventsProcessed);
          report.startedAt = row.created_at.toISOString();
        }
        return report;
      }),
    );
  }

  /** What a long transaction anywhere in the cluster hides from every reader (PostgreSQL event store only). */
  async visibility(): Promise<EventVisibility | undefined> {
    return this.eventStore.countEvents ? readVisibilityHorizon(this.pool) : undefined;
  }

  async lag(checkpoint: Position | undefined): Promise<{ lagEvents: number; lagEventsCapped: boolean; lagSeconds: number }> {
    const [oldest] = await this.eventStore.readAll({ from: checkpoint, maxCount: 1 });
    const lagSeconds = oldest ? Math.max(0, (this.now() - Date.parse(oldest.metadata.occurredAt)) / 1000) : 0;
    const lagEvents = !oldest
      ? 0
      : this.eventStore.countEvents
        ? await this.eventStore.countEvents({ from: checkpoint, limit: LAG_COUNT_LIMIT })
        : (await this.eventStore.readAll({ from: checkpoint, maxCount: LAG_COUNT_LIMIT })).length;
    return { lagEvents, lagEventsCapped: lagEvents >= LAG_COUNT_LIMIT, lagSeconds: Math.round(lagSeconds * 10) / 10 };
  }

  /**
   * How much of $all a rebuild has processed: counted where the store can count; otherwise estimated from positions,
   * which in EventStoreDB are byte offsets into the log and so grow with the events behind them.
   */
  private async progress(checkpoint: Position | undefined, eventsProcessed: number): Promise<number> {
    if (!checkpoint) return 0;
    if (this.eventStore.countEvents) {
      const remaining = await this.eventStore.countEvents({ from: checkpoint, limit: PROGRESS_COUNT_LIMIT });
      return eventsProcessed + remaining === 0 ? 1 : eventsProcessed / (eventsProcessed + remaining);
    }
    const head = await this.eventStore.headPosition();
    return head && head.commit > 0n ? Math.min(1, Number(checkpoint.commit) / Number(head.commit)) : 1;
  }
}
