import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '@accounts/database';
import type { Position } from '@accounts/event-store';

/** One version of a projection, as `projection_checkpoints` records it. */
export interface ProjectionVersion {
  version: number;
  state: 'live' | 'building' | 'retired';
  paused: boolean;
  checkpoint: Position | undefined;
  eventsProcessed: number;
}

export interface ProjectionVersions {
  live: ProjectionVersion | undefined;
  building: ProjectionVersion | undefined;
}

export interface RetryRequest {
  id: string;
  requestedBy: string;
}

/** The projection an operator named does not exist. */
export class UnknownProjectionError extends Error {
  constructor() {
    super('no such projection');
    this.name = 'UnknownProjectionError';
  }
}

/**
 * The control plane of the projections, in PostgreSQL: which version of each projection is live, which one a rebuild
 * is building, whether it is paused, and what operators asked for. Operators (CLI, HTTP) write here; the process that
 * holds a projection's lease reads it and acts, so only that process ever writes the projection's store.
 */
export class ProjectionRegistry {
  constructor(private readonly pool: Pool) {}

  /** Records `version` as live if the projection has no live version yet (its first start). */
  async ensure(projection: string, version = 1): Promise<void> {
    await this.pool.query(
      `INSERT INTO projection_checkpoints (projection, version, state, activated_at)
       SELECT $1, $2, 'live', now()
        WHERE NOT EXISTS (SELECT 1 FROM projection_checkpoints WHERE projection = $1 AND state IN ('live', 'building'))
       ON CONFLICT DO NOTHING`,
      [projection, version],
    );
  }

  async versions(projection: string): Promise<ProjectionVersions> {
    const { rows } = await this.pool.query<{
      version: number;
      state: ProjectionVersion['state'];
      paused: boolean;
      position_commit: string | null;
      position_prepare: string | null;
      events_processed: string;
    }>(
      `SELECT version, state, paused, position_commit, position_prepare, events_processed
         FROM projection_checkpoints WHERE projection = $1 AND state <> 'retired'`,
      [projection],
    );
    const toVersion = (row: (typeof rows)[number]): ProjectionVersion => ({
      version: row.version,
      state: row.state,
      paused: row.paused,
      checkpoint: row.position_commit != null ? { commit: BigInt(row.position_commit), prepare: BigInt(row.position_prepare!) } : undefined,
      eventsProcessed: Number(row.events_processed),
    });
    const live = rows.find((row) => row.state === 'live');
    const building = rows.find((row) => row.state === 'building');
    return { live: live && toVersion(live), building: building && toVersion(building) };
  }

  /**
   * Asks for a blue/green rebuild: a new version, built beside the live one from the first event. If a rebuild is
   * already under way, that one is returned (a rebuild that was interrupted resumes from its own checkpoint).
   */
  async requestRebuild(projection: string, client?: PoolClient): Promise<{ version: number; resumed: boolean }> {
    // In the caller's transaction when it gives one (an operator's action is recorded in it), else in one of its own.
    const request = async (db: PoolClient) => {
      // Serialises two operators asking at once; the partial unique index would refuse the second anyway.
      await db.query('SELECT pg_advisory_xact_lock(4243, hashtext($1))', [projection]);
      const { rows } = await db.query<{ version: number; state: string }>(
        `SELECT version, state FROM projection_checkpoints WHERE projection = $1 ORDER BY version DESC`,
        [projection],
      );
      if (rows.length === 0) throw new UnknownProjectionError();
      const building = rows.find((row) => row.state === 'building');
      if (building) return { version: building.version, resumed: true };
      const version = rows[0]!.version + 1;
      await db.query(`INSERT INTO projection_checkpoints (projection, version, state) VALUES ($1, $2, 'building')`, [projection, version]);
      return { version, resumed: false };
    };
    return client ? request(client) : inTransaction(this.pool, request);
  }

  /**
   * Pauses or resumes every version of a projection; the process running it stops or restarts it within a tick.
   * Answers whether any version changed (false: it was already so). One statement, so the caller may run it in its
   * own transaction (`db`).
   */
  async setPaused(projection: string, paused: boolean, db: Pool | PoolClient = this.pool): Promise<{ changed: boolean }> {
    const { rows } = await db.query<{ was: boolean }>(
      `WITH before AS (
         SELECT version, paused FROM projection_checkpoints WHERE projection = $1 AND state <> 'retired' FOR UPDATE
       )
       UPDATE projection_checkpoints AS checkpoint SET paused = $2, updated_at = now()
         FROM before WHERE checkpoint.projection = $1 AND checkpoint.version = before.version
       RETURNING before.paused AS was`,
      [projection, paused],
    );
    if (rows.length === 0) throw new UnknownProjectionError();
    return { changed: rows.some((row) => row.was !== paused) };
  }

  /**
   * Makes `next` the live version in place of `previous`. `activate` runs inside the same transaction, so a
   * projection in PostgreSQL swaps its views atomically with the bookkeeping.
   */
  async swap(projection: string, previous: number, next: number, activate: (client: PoolClient) => Promise<void>): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(`UPDATE projection_checkpoints SET state = 'retired', updated_at = now() WHERE projection = $1 AND version = $2`, [projection, previous]);
      await client.query(
        `UPDATE projection_checkpoints SET state = 'live', activated_at = now(), updated_at = now() WHERE projection = $1 AND version = $2`,
        [projection, next],
      );
      await activate(client);
    });
  }

  /**
   * Mirrors the checkpoint of a projection stored outside PostgreSQL (Redis, OpenSearch), so operators see its
   * position and progress here too. Never used for decisions: the store's own checkpoint is the truth.
   */
  async mirror(projection: string, version: number, checkpoint: Position, newEvents: number): Promise<void> {
    await this.pool.query(
      `UPDATE projection_checkpoints
          SET position_commit = $3, position_prepare = $4, events_processed = events_processed + $5, updated_at = now()
        WHERE projection = $1 AND version = $2`,
      [projection, version, checkpoint.commit.toString(), checkpoint.prepare.toString(), newEvents],
    );
  }

  async requestRetry(projection: string, requestedBy: string, db: Pool | PoolClient = this.pool): Promise<string> {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO projection_requests (projection, kind, requested_by)
       SELECT $1, 'retry_dead_letters', $2 WHERE EXISTS (SELECT 1 FROM projection_checkpoints WHERE projection = $1)
       RETURNING id`,
      [projection, requestedBy],
    );
    if (!rows[0]) throw new UnknownProjectionError();
    return rows[0].id;
  }

  async pendingRetries(projection: string): Promise<RetryRequest[]> {
    const { rows } = await this.pool.query<{ id: string; requested_by: string }>(
      `SELECT id, requested_by FROM projection_requests WHERE projection = $1 AND finished_at IS NULL ORDER BY id`,
      [projection],
    );
    return rows.map((row) => ({ id: row.id, requestedBy: row.requested_by }));
  }

  async finishRequest(id: string, outcome: object): Promise<void> {
    await this.pool.query(`UPDATE projection_requests SET finished_at = now(), outcome = $2 WHERE id = $1`, [id, JSON.stringify(outcome)]);
  }

  async request(id: string): Promise<{ finished: boolean; outcome: unknown } | undefined> {
    const { rows } = await this.pool.query<{ finished_at: Date | null; outcome: unknown }>(`SELECT finished_at, outcome FROM projection_requests WHERE id = $1`, [id]);
    return rows[0] && { finished: rows[0].finished_at !== null, outcome: rows[0].outcome };
  }

  /** Marks dead letters of `ids` resolved unless they failed again since `since` (a retry that parked them anew). */
  async resolveDeadLetters(projection: string, version: number, ids: string[], since: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE projection_dead_letters SET resolved_at = now()
        WHERE projection = $1 AND version = $2 AND event_id = ANY ($3::uuid[]) AND resolved_at IS NULL AND failed_at < $4`,
      [projection, version, ids, since],
    );
    return rowCount ?? 0;
  }

  async unresolvedDeadLetters(projection: string, version: number): Promise<{ eventId: string; streamName: string }[]> {
    const { rows } = await this.pool.query<{ event_id: string; stream_name: string }>(
      `SELECT event_id, stream_name FROM projection_dead_letters
        WHERE projection = $1 AND version = $2 AND resolved_at IS NULL ORDER BY position_commit, position_prepare`,
      [projection, version],
    );
    return rows.map((row) => ({ eventId: row.event_id, streamName: row.stream_name }));
  }

  /** The database's clock, for comparisons with times the database wrote. */
  async databaseNow(): Promise<Date> {
    const { rows } = await this.pool.query<{ now: Date }>('SELECT clock_timestamp() AS now');
    return rows[0]!.now;
  }

  async recordLease(projection: string, holder: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO projection_leases (projection, holder) VALUES ($1, $2)
       ON CONFLICT (projection) DO UPDATE SET holder = EXCLUDED.holder, acquired_at = now(), heartbeat_at = now()`,
      [projection, holder],
    );
  }

  /** A clean stop says so at once: readiness need not wait for the heartbeat to go stale. */
  async forgetLease(projection: string, holder: string): Promise<void> {
    await this.pool.query(`DELETE FROM projection_leases WHERE projection = $1 AND holder = $2`, [projection, holder]);
  }

  async heartbeat(projection: string, holder: string): Promise<void> {
    await this.pool.query(`UPDATE projection_leases SET heartbeat_at = now() WHERE projection = $1 AND holder = $2`, [projection, holder]);
  }
}
