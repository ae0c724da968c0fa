import type { Pool } from 'pg';
import type { EventStore, RecordedEvent } from '@accounts/event-store';

/*
 * PostgreSQL's $all shows an event only once every older transaction of the whole cluster has ended (see the adapter),
 * so right after a write `readAll()` can still miss it while any other database's transaction is open: a test that
 * reads it for "everything written" must wait. (`headPosition()` is the last event committed, shown or not.)
 */

/** Events the tests wrote are in `es_events`; the store's own bookkeeping events are `$`-typed. */
const COMMITTED = `FROM es_events WHERE event_type NOT LIKE '$%'`;

/** $all once it shows every event committed (up to `maxCount`); on EventStoreDB, $all at once. */
export async function visibleEvents(store: EventStore, pool: Pool, maxCount = 1_000_000): Promise<RecordedEvent[]> {
  for (let attempt = 0; ; attempt++) {
    const events = await store.readAll({ maxCount });
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n ${COMMITTED}`);
    if (rows[0]!.n === 0 || Math.min(rows[0]!.n, maxCount) <= events.length || attempt >= 250) return events;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
