import type { Pool } from 'pg';

/** Counted up to this many (one index range scan). */
const INVISIBLE_COUNT_LIMIT = 10_000;

/** The transaction that holds the horizon back: who, never what (no query text: it can carry personal data). */
export interface HorizonHolder {
  pid: number;
  database: string | null;
  state: string | null;
  ageSeconds: number;
}

export interface EventVisibility {
  /** Events committed but not yet visible to readers (projections, $all), counted up to `INVISIBLE_COUNT_LIMIT`. */
  invisibleEvents: number;
  /** How long readers have been held back: the age of the transaction holding the horizon, 0 when nothing is hidden. */
  heldSeconds: number;
  holder: HorizonHolder | null;
}

/**
 * The PostgreSQL event store shows a reader only the events of transactions older than every transaction still
 * running in the whole cluster (see the adapter), so one long transaction anywhere, even in another database, hides
 * every event committed after it began: projections stop, while their lag, measured against what readers can see,
 * stays 0. This measures what is hidden (rows at or past the snapshot's xmin whose transaction committed) and names
 * the oldest running transaction that holds it.
 */
export async function readVisibilityHorizon(pool: Pool): Promise<EventVisibility> {
  const { rows } = await pool.query<{ invisible: number; pid: number | null; database: string | null; state: string | null; age: number | null }>(
    `SELECT (SELECT count(*)::int FROM (
               SELECT 1 FROM es_events
                WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())
                  AND pg_xact_status(transaction_id) = 'committed'
                LIMIT ${INVISIBLE_COUNT_LIMIT}) hidden) AS invisible,
            h.pid, h.datname AS database, h.state, h.age
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (
         SELECT pid, datname, state, extract(epoch FROM clock_timestamp() - xact_start)::float8 AS age
           FROM pg_stat_activity
          WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
          ORDER BY age(backend_xid) DESC
          LIMIT 1) h ON true`,
  );
  const row = rows[0]!;
  const hidden = row.invisible > 0;
  const holder = hidden && row.pid !== null ? { pid: row.pid, database: row.database, state: row.state, ageSeconds: round(row.age ?? 0) } : null;
  return { invisibleEvents: row.invisible, heldSeconds: holder ? holder.ageSeconds : 0, holder };
}

function round(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}
