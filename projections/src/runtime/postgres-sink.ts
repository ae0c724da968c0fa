import type { Pool, PoolClient } from 'pg';
import { inTransaction, isStoreUnavailable } from '@accounts/database';
import type { EventFilter, Position } from '@accounts/event-store';
import type { ProjectedEvent, UndecodableEvent } from './projected-event';
import type { ProjectionSink } from './projection-sink';
import { describeErrorSafely } from './safe-error';
import type { VersionedTables } from './versioned-tables';

/** A read model in PostgreSQL: owns its tables, applies events inside the transaction the sink gives it. */
export interface PostgresProjector {
  readonly name: string;
  /** Bumped when the tables' shape changes; each version has its own tables and checkpoint (blue/green rebuilds). */
  readonly version: number;
  readonly filter?: EventFilter;
  readonly tables: VersionedTables;
  /** Creates this version's tables if missing. */
  createTables(client: PoolClient): Promise<void>;
  /** Applies events in order. Must only touch this projector's tables, through `client`. */
  apply(client: PoolClient, events: ProjectedEvent[]): Promise<void>;
}

/** Another process advanced this projection's checkpoint: this one must stop, or effects would double. */
export class CheckpointMovedError extends Error {
  constructor(projection: string) {
    super(`checkpoint of ${projection} was moved by another process`);
    this.name = 'CheckpointMovedError';
  }
}

/**
 * Stores a projector's effects and its checkpoint in one transaction. The batch is first applied whole (fast path);
 * if it fails, it is applied again event by event behind savepoints, so one bad event is parked in the dead letters
 * and the rest still land. The checkpoint update is conditional on the checkpoint this process last stored, so a
 * second process running the same projection by mistake fails instead of doubling effects.
 */
export class PostgresProjectionSink implements ProjectionSink {
  private lastStored: Position | undefined;
  /** This version was being built when prepared, and has not been swapped in since (see applyBatch). */
  private building = false;
  /** Set once `beforeActivate` built the query indexes, so the swap need not. */
  private queryIndexesBuilt = false;

  constructor(
    private readonly pool: Pool,
    private readonly projector: PostgresProjector,
  ) {}

  get name(): string {
    return this.projector.name;
  }

  get filter(): EventFilter | undefined {
    return this.projector.filter;
  }

  async prepare(): Promise<void> {
    await this.inTransaction(async (client) => {
      await this.projector.createTables(client);
      // The first version of a projection is live from the start; later versions go live only through a rebuild.
      await client.query(
        `INSERT INTO projection_checkpoints (projection, version, state)
         SELECT $1, $2, CASE WHEN EXISTS (SELECT 1 FROM projection_checkpoints WHERE projection = $1 AND state = 'live')
                             THEN 'building' ELSE 'live' END
         ON CONFLICT DO NOTHING`,
        [this.projector.name, this.projector.version],
      );
      const { rows } = await client.query<{ state: string }>(`SELECT state FROM projection_checkpoints WHERE projection = $1 AND version = $2`, [
        this.projector.name,
        this.projector.version,
      ]);
      this.building = rows[0]?.state === 'building';
      // A live version has its query indexes (a no-op but for the first start, or tables added to a live version).
      if (rows[0]?.state === 'live') await this.createQueryIndexes(client);
    });
  }

  async readCheckpoint(): Promise<Position | undefined> {
    const { rows } = await this.pool.query<{ position_commit: string | null; position_prepare: string | null }>(
      `SELECT position_commit, position_prepare FROM projection_checkpoints WHERE projection = $1 AND version = $2`,
      [this.projector.name, this.projector.version],
    );
    const row = rows[0];
    this.lastStored = row?.position_commit != null ? { commit: BigInt(row.position_commit), prepare: BigInt(row.position_prepare!) } : undefined;
    return this.lastStored;
  }

  async applyBatch(events: ProjectedEvent[], checkpoint: Position): Promise<{ deadLettered: number }> {
    const deadLettered = await this.inTransaction(async (client) => {
      // Nobody reads a version being built, so its batches need not wait for the WAL to reach the disk: a batch lost
      // in a PostgreSQL crash loses its checkpoint with it (one transaction) and is read again. The swap's own commit
      // is durable, and flushes every batch before it.
      if (this.building) await client.query(`SET LOCAL synchronous_commit = off`);
      const parked = await this.applyIsolatingFailures(client, events);
      const moved = await client.query(
        `UPDATE projection_checkpoints
            SET position_commit = $3, position_prepare = $4, events_processed = events_processed + $5, updated_at = now()
          WHERE projection = $1 AND version = $2
            AND position_commit IS NOT DISTINCT FROM $6 AND position_prepare IS NOT DISTINCT FROM $7`,
        [
          this.projector.name,
          this.projector.version,
          checkpoint.commit.toString(),
          checkpoint.prepare.toString(),
          events.length,
          this.lastStored?.commit.toString() ?? null,
          this.lastStored?.prepare.toString() ?? null,
        ],
      );
      if (moved.rowCount !== 1) throw new CheckpointMovedError(this.projector.name);
      return parked;
    });
    this.lastStored = checkpoint;
    return { deadLettered };
  }

  /**
   * Builds the query indexes a rebuild went without, while the live version still serves: one sorted pass per index
   * instead of an update per row written. Each index is its own statement, so each locks one table at a time against
   * the builder's batches (which wait for it), and the two cannot deadlock.
   */
  async beforeActivate(): Promise<void> {
    for (const statement of this.projector.tables.queryIndexStatements?.() ?? []) await this.pool.query(statement);
    this.queryIndexesBuilt = true;
  }

  async activate(registry: PoolClient): Promise<void> {
    // Without beforeActivate, they are built here, in the swap's transaction: no version goes live without them.
    // (Not again when they were: a CREATE INDEX here would wait on the batch this version's runner is storing, which
    // waits on this transaction's update of its checkpoint row.)
    if (!this.queryIndexesBuilt) await this.createQueryIndexes(registry);
    for (const statement of this.projector.tables.activateStatements()) await registry.query(statement);
    this.building = false; // live from the swap's commit on: its batches are durable again
  }

  async drop(): Promise<void> {
    // Waits for queries still reading the old tables through a view they resolved before the swap.
    await this.pool.query(`DROP TABLE IF EXISTS ${this.projector.tables.tableNames().join(', ')}`);
  }

  private async applyIsolatingFailures(client: PoolClient, events: ProjectedEvent[]): Promise<number> {
    const decodable = events.filter((event) => event.kind !== 'undecodable');
    const undecodable = events.filter((event): event is UndecodableEvent => event.kind === 'undecodable');
    for (const event of undecodable) await this.park(client, event, `undecodable: ${event.reason}`);
    if (decodable.length === 0) return undecodable.length;

    await client.query('SAVEPOINT whole_batch');
    try {
      await this.projector.apply(client, decodable);
      return undecodable.length;
    } catch {
      await client.query('ROLLBACK TO SAVEPOINT whole_batch');
    }
    let parked = undecodable.length;
    for (const event of decodable) {
      await client.query('SAVEPOINT one_event');
      try {
        await this.projector.apply(client, [event]);
      } catch (error) {
        // A store that is down is no fault of the event: the whole batch fails and is retried, nothing is parked.
        if (isStoreUnavailable(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT one_event');
        await this.park(client, event, describeErrorSafely(error));
        parked++;
      }
    }
    return parked;
  }

  private async park(client: PoolClient, event: ProjectedEvent, reason: string): Promise<void> {
    await client.query(
      `INSERT INTO projection_dead_letters
         (projection, version, event_id, event_type, stream_name, position_commit, position_prepare, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (projection, version, event_id) DO UPDATE SET error = EXCLUDED.error, failed_at = now(), resolved_at = NULL`,
      [
        this.projector.name,
        this.projector.version,
        event.id,
        event.type,
        event.streamName,
        event.position.commit.toString(),
        event.position.prepare.toString(),
        reason,
      ],
    );
  }

  private async createQueryIndexes(client: PoolClient): Promise<void> {
    for (const statement of this.projector.tables.queryIndexStatements?.() ?? []) await client.query(statement);
  }

  private inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

}
