import type { Pool } from 'pg';
import { EVENT_STORE } from '../../apps/api/src/infrastructure/tokens';
import { ProjectedEventDecoder } from '@accounts/projections/runtime/projected-event-decoder';
import { EventCodec } from '@accounts/event-codec';
import type { EventStore } from '@accounts/event-store';
import { ReadModelProjector } from '@accounts/projections/read-model/read-model.projector';
import { PostgresProjectionSink } from '@accounts/projections/runtime/postgres-sink';
import { ProjectionRunner } from '@accounts/projections/runtime/projection-runner';
import type { TestApp } from './app';
import { createTestDatabase, type TestDatabase } from './postgres';

const ISO = (column: string) => `to_json(${column}) #>> '{}' AS ${column}`;

/** The read model's rows, in a stable order, as a test compares them. */
export async function readModelRows(pool: Pool, version: number) {
  const rows = async (sql: string) => (await pool.query(sql)).rows;
  return {
    users: await rows(`SELECT id, email, ${ISO('created_at')}, ${ISO('last_login_at')}, avatar_url, ${ISO('erased_at')} FROM users_v${version} ORDER BY id`),
    organizations: await rows(`SELECT id, name, plan, owner_id, member_count, logo_url, payment_processor, payment_method_id FROM organizations_v${version} ORDER BY id`),
    memberships: await rows(`SELECT org_id, user_id, role, ${ISO('joined_at')} FROM memberships_v${version} ORDER BY org_id, user_id`),
  };
}

/**
 * A read model built from position 0 in a database of its own, by a runner that never failed, was never paused and
 * never swapped: what every other build must equal. `read` runs before the throwaway database is dropped.
 */
export async function withFreshReadModel<T>(t: TestApp, read: (fresh: TestDatabase) => Promise<T>): Promise<T> {
  const fresh = await createTestDatabase('fresh');
  const eventStore = t.app.get<EventStore>(EVENT_STORE);
  const runner = new ProjectionRunner(eventStore, new ProjectedEventDecoder(t.app.get(EventCodec)), new PostgresProjectionSink(fresh.pool, new ReadModelProjector(1)));
  try {
    await runner.start();
    const head = await eventStore.headPosition();
    if (head && !(await runner.waitFor(head, 60_000))) throw new Error('the fresh build did not reach the head');
    await runner.stop();
    return await read(fresh);
  } finally {
    await runner.stop();
    await fresh.drop();
  }
}
