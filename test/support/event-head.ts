import type { Pool } from 'pg';
import type { EventStore, Position, RecordedEvent } from '@accounts/event-store';

/*
 * PostgreSQL's $all shows an event only once every older transaction of the whole cluster has ended (see the adapter),
 * so right after a write `headPosition()` and `readAll()` can still miss it while any other database's transaction is
 * open: a test that reads them for "everything written" must wait for them, or read the table.
 */

/** Events the tests wrote are in `es_events`; the store's own bookkeeping events are `$`-typed. */
const COMMITTED = `FROM es_events WHERE event_type NOT LIKE '$%'`;

/**
 * The position of the last event committed, from the table (whether $all shows it yet or not); on EventStoreDB,
 * whose events are not in the table, the store's head.
 */
export async function committedHead(store: EventStore, pool: Pool): Promise<Position | undefined> {
  const { rows } = await pool.query<{ commit: string; prepare: string }>(
    `SELECT transaction_id::text AS commit, global_sequence::text AS prepare ${COMMITTED} ORDER BY transaction_id DESC, global_sequence DESC LIMIT 1`,
  );
  const row = rows[0];
  return row ? { commit: BigInt(row.commit), prepare: BigInt(row.prepare) } : store.headPosition();
}

/** $all once it shows every event committed (up to `maxCount`); on EventStoreDB, $all at once. */
export async function visibleEvents(store: EventStore, pool: Pool, maxCount = 1_000_000): Promise<RecordedEvent[]> {
  for (let attempt = 0; ; attempt++) {
    const events = await store.readAll({ maxCount });
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n ${COMMITTED}`);
    if (rows[0]!.n === 0 || Math.min(rows[0]!.n, maxCount) <= events.length || attempt >= 250) return events;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
