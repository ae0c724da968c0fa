import type { Pool } from 'pg';

/** A snapshot as stored: the state at `revision`, sealed with `subjectId`'s data key (libs/event-codec SnapshotCodec). */
export interface StoredSnapshot {
  revision: bigint;
  stateVersion: number;
  subjectId: string;
  sealedState: string;
}

/** Snapshots of aggregate state, one per stream (`aggregate_snapshots`, migrations/0011). */
export interface SnapshotStore {
  read(streamName: string): Promise<StoredSnapshot | undefined>;
  /** Keeps the newest: a snapshot older than the stored one (a slower process) changes nothing. */
  write(streamName: string, snapshot: StoredSnapshot): Promise<void>;
  delete(streamName: string): Promise<void>;
}

/** Snapshots in PostgreSQL, whichever event store holds the events: a snapshot is a shortcut, the stream the truth. */
export class PostgresSnapshotStore implements SnapshotStore {
  constructor(private readonly pool: Pool) {}

  async read(streamName: string): Promise<StoredSnapshot | undefined> {
    const { rows } = await this.pool.query<{ revision: string; state_version: number; subject_id: string; state: string }>({
      name: 'snapshot_read',
      text: 'SELECT revision, state_version, subject_id, state FROM aggregate_snapshots WHERE stream_name = $1',
      values: [streamName],
    });
    const row = rows[0];
    return row && { revision: BigInt(row.revision), stateVersion: row.state_version, subjectId: row.subject_id, sealedState: row.state };
  }

  async write(streamName: string, snapshot: StoredSnapshot): Promise<void> {
    await this.pool.query({
      name: 'snapshot_write',
      text: `INSERT INTO aggregate_snapshots (stream_name, revision, state_version, subject_id, state) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (stream_name) DO UPDATE
               SET revision = excluded.revision, state_version = excluded.state_version, subject_id = excluded.subject_id,
                   state = excluded.state, taken_at = now()
             WHERE aggregate_snapshots.revision < excluded.revision OR aggregate_snapshots.state_version <> excluded.state_version`,
      values: [streamName, snapshot.revision.toString(), snapshot.stateVersion, snapshot.subjectId, snapshot.sealedState],
    });
  }

  async delete(streamName: string): Promise<void> {
    await this.pool.query({ name: 'snapshot_delete', text: 'DELETE FROM aggregate_snapshots WHERE stream_name = $1', values: [streamName] });
  }
}
