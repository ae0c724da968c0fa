import type { Pool } from 'pg';
import { type EventStore, formatPosition, type Position } from '../../../libs/event-store/src';

export interface ProjectionReport {
  name: string;
  version: number;
  /** live: serving queries; building: a rebuild in progress; retired: replaced, about to be dropped. */
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
}

export const LAG_COUNT_LIMIT = 10_000;

/**
 * What operators see for each projection (`projections status`, `GET /v1/ops/projections`): where it is, how far
 * behind, and how many events it parked. Lag is measured against the event store itself, not against the projector's
 * own view, so a stuck projector shows a growing lag.
 */
export class ProjectionStatusReader {
  constructor(
    private readonly pool: Pool,
    private readonly eventStore: EventStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Projections whose checkpoint lives outside PostgreSQL (sessions in Redis, search in OpenSearch). */
  private readonly external: { name: string; checkpoint(): Promise<Position | undefined> }[] = [];

  withExternal(name: string, checkpoint: () => Promise<Position | undefined>): this {
    this.external.push({ name, checkpoint });
    return this;
  }

  async report(): Promise<ProjectionReport[]> {
    return [...(await this.postgresReports()), ...(await Promise.all(this.external.map((projection) => this.externalReport(projection))))];
  }

  private async externalReport(projection: { name: string; checkpoint(): Promise<Position | undefined> }): Promise<ProjectionReport> {
    const checkpoint = await projection.checkpoint();
    return {
      name: projection.name,
      version: 1,
      state: 'live',
      paused: false,
      checkpoint: checkpoint ? formatPosition(checkpoint) : null,
      eventsProcessed: -1, // counted by the running projector only (see /metrics)
      ...(await this.lag(checkpoint)),
      deadLetters: 0,
      updatedAt: new Date(this.now()).toISOString(),
    };
  }

  private async postgresReports(): Promise<ProjectionReport[]> {
    const { rows } = await this.pool.query<{
      projection: string;
      version: number;
      state: string;
      paused: boolean;
      position_commit: string | null;
      position_prepare: string | null;
      events_processed: string;
      updated_at: Date;
      dead_letters: string;
    }>(
      `SELECT c.projection, c.version, c.state, c.paused, c.position_commit, c.position_prepare, c.events_processed, c.updated_at,
              (SELECT count(*) FROM projection_dead_letters d
                WHERE d.projection = c.projection AND d.version = c.version AND d.resolved_at IS NULL) AS dead_letters
         FROM projection_checkpoints c
        WHERE c.state <> 'retired'
        ORDER BY c.projection, c.version`,
    );
    return Promise.all(
      rows.map(async (row) => {
        const checkpoint: Position | undefined =
          row.position_commit != null ? { commit: BigInt(row.position_commit), prepare: BigInt(row.position_prepare!) } : undefined;
        const lag = await this.lag(checkpoint);
        return {
          name: row.projection,
          version: row.version,
          state: row.state,
          paused: row.paused,
          checkpoint: checkpoint ? formatPosition(checkpoint) : null,
          eventsProcessed: Number(row.events_processed),
          ...lag,
          deadLetters: Number(row.dead_letters),
          updatedAt: row.updated_at.toISOString(),
        };
      }),
    );
  }

  async lag(checkpoint: Position | undefined): Promise<{ lagEvents: number; lagEventsCapped: boolean; lagSeconds: number }> {
    const pending = await this.eventStore.readAll({ from: checkpoint, maxCount: LAG_COUNT_LIMIT });
    const oldest = pending[0];
    const lagSeconds = oldest ? Math.max(0, (this.now() - Date.parse(oldest.metadata.occurredAt)) / 1000) : 0;
    return { lagEvents: pending.length, lagEventsCapped: pending.length >= LAG_COUNT_LIMIT, lagSeconds: Math.round(lagSeconds * 10) / 10 };
  }
}
