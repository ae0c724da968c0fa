import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { PostgresEventStore, type NewEvent } from '@accounts/event-store';
import { ReadModelProjector } from '@accounts/projections/read-model/read-model.projector';
import { PostgresProjectionSink, type PostgresProjector } from '@accounts/projections/runtime/postgres-sink';
import type { ProjectedEvent } from '@accounts/projections/runtime/projected-event';
import { projectedPlainEvent } from '@accounts/projections/runtime/projected-event-decoder';
import { type EventDecoder, ProjectionRunner } from '@accounts/projections/runtime/projection-runner';
import type { ProjectionSink } from '@accounts/projections/runtime/projection-sink';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';
import { visibleEvents } from '../support/event-head';

/** Events are stored with plain data here: the decoder has nothing to open, only shapes to check. */
const plainDecoder: EventDecoder = { decode: async (events) => events.map(projectedPlainEvent) };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const at = () => ({ occurredAt: new Date().toISOString() });
const ev = (type: string, data: Record<string, unknown>): NewEvent => ({ id: randomUUID(), type, data, metadata: at() });

/** A history with every kind of read-model change. */
async function writeHistory(store: PostgresEventStore, organizations: number): Promise<void> {
  for (let o = 0; o < organizations; o++) {
    const organizationId = randomUUID();
    const users = Array.from({ length: 6 }, () => randomUUID());
    for (const userId of users) {
      await store.appendToStream(`user-${userId}`, [ev('UserRegistered', { userId, email: `${userId}@example.com`, passwordHash: 'enc:v1:x', registeredAt: at().occurredAt })]);
    }
    await store.appendToStream(`organization-${organizationId}`, [
      ev('OrganizationCreated', { organizationId, name: `Org ${o}`, plan: 'free', ownerId: users[0], createdAt: at().occurredAt }),
      ev('MemberJoined', { organizationId, userId: users[0], role: 'owner', joinedAt: at().occurredAt }),
      ...users.slice(1).map((userId) => ev('MemberJoined', { organizationId, userId, role: 'member', joinedAt: at().occurredAt })),
      ev('MemberRoleChanged', { organizationId, userId: users[1], role: 'admin', previousRole: 'member', changedAt: at().occurredAt }),
      ev('MemberLeft', { organizationId, userId: users[2], leftAt: at().occurredAt }),
      ev('OrganizationRenamed', { organizationId, name: `Renamed ${o}`, renamedAt: at().occurredAt }),
      ev('PlanChanged', { organizationId, plan: 'pro', changedAt: at().occurredAt }),
    ]);
    await store.appendToStream(`user-${users[3]}`, [ev('UserLoggedIn', { userId: users[3], sessionId: randomUUID(), tokenHash: 'a'.repeat(64), expiresAt: at().occurredAt, at: at().occurredAt })]);
    await store.appendToStream(`user-${users[4]}`, [ev('UserErased', { userId: users[4], erasedAt: at().occurredAt })]);
  }
}

/** Version 1 of the read model with its batches applied by `apply`: failures injected where the projector writes. */
function readModelWith(apply: (real: ReadModelProjector, client: PoolClient, events: ProjectedEvent[]) => Promise<void>): PostgresProjector {
  const real = new ReadModelProjector(1);
  return { name: real.name, version: 1, tables: real.tables, createTables: (client) => real.createTables(client), apply: (client, events) => apply(real, client, events) };
}

async function snapshot(database: TestDatabase, version: number) {
  const query = async (sql: string) => (await database.pool.query(sql)).rows;
  return {
    users: await query(`SELECT id, email, password_hash, created_at, last_login_at, avatar_url, erased_at FROM users_v${version} ORDER BY id`),
    organizations: await query(`SELECT id, name, plan, owner_id, member_count, logo_url FROM organizations_v${version} ORDER BY id`),
    memberships: await query(`SELECT org_id, user_id, role, joined_at FROM memberships_v${version} ORDER BY org_id, user_id`),
  };
}

async function runToEnd(runner: ProjectionRunner, store: PostgresEventStore, database: TestDatabase, name: string, version: number) {
  // Every event visible before the runner starts: its batches are then cut the same way in every run.
  const head = (await visibleEvents(store, database.pool)).at(-1)!.position;
  await runner.start();
  for (let i = 0; i < 600; i++) {
    const { rows } = await database.pool.query('SELECT position_commit, position_prepare FROM projection_checkpoints WHERE projection = $1 AND version = $2', [name, version]);
    if (rows[0]?.position_commit === head.commit.toString() && rows[0]?.position_prepare === head.prepare.toString()) return;
    await sleep(50);
  }
  // Stopped before failing: a runner left polling would keep Jest from ever exiting.
  await runner.stop();
  throw new Error('projection did not reach the head');
}

describe('read model projection under failure', () => {
  jest.setTimeout(120_000);
  let database: TestDatabase;
  let store: PostgresEventStore;
  beforeEach(async () => {
    database = await createTestDatabase('proj');
    store = new PostgresEventStore({ connectionString: database.url });
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });
  afterAll(() => dropTemplate());

  test('killed in the middle of a batch and restarted, it equals a fresh build from position 0', async () => {
    await writeHistory(store, 40);

    // Version 1 loses its database connection in the middle of its 4th and 9th batches (half the batch applied).
    let batches = 0;
    const dying = readModelWith(async (real, client, events) => {
      batches++;
      if (batches === 4 || batches === 9) {
        await real.apply(client, events.slice(0, Math.floor(events.length / 2)));
        await client.query('SELECT pg_terminate_backend(pg_backend_pid())').catch(() => undefined);
      }
      await real.apply(client, events);
    });
    const crashing = new ProjectionRunner(store, plainDecoder, new PostgresProjectionSink(database.pool, dying), { maxBatchSize: 50, retryDelayMs: 50 });
    await runToEnd(crashing, store, database, 'read_model', 1);
    await crashing.stop();
    expect(batches).toBeGreaterThan(9);

    // Version 2 is built fresh, without failures, from position 0.
    const fresh = new ProjectionRunner(store, plainDecoder, new PostgresProjectionSink(database.pool, new ReadModelProjector(2)), { maxBatchSize: 500 });
    await runToEnd(fresh, store, database, 'read_model', 2);
    await fresh.stop();

    const [crashed, rebuilt] = [await snapshot(database, 1), await snapshot(database, 2)];
    expect(crashed.memberships.length).toBe(40 * 5);
    expect(crashed).toEqual(rebuilt);
    const deadLetters = await database.pool.query('SELECT count(*)::int AS n FROM projection_dead_letters');
    expect(deadLetters.rows[0].n).toBe(0);
  });

  test('the next batch is decoded while one is stored; a failed store of the last batch, with nothing after it, is retried by itself', async () => {
    await writeHistory(store, 7); // 133 events: batches of 50, 50 and 33
    let batches = 0;
    const failsLast = readModelWith(async (real, client, events) => {
      await sleep(20); // a store slow enough for the next read and decode to happen beside it
      // The third and last batch loses its connection: the store fails, and no batch comes after it.
      if (++batches === 3) await client.query('SELECT pg_terminate_backend(pg_backend_pid())').catch(() => undefined);
      await real.apply(client, events);
    });
    // Watch the store from outside: how many batches the runner decoded while the sink was storing one.
    const sink = new PostgresProjectionSink(database.pool, failsLast);
    let storing = 0;
    let decodedWhileStoring = 0;
    const watched: ProjectionSink = {
      name: sink.name,
      prepare: () => sink.prepare(),
      readCheckpoint: () => sink.readCheckpoint(),
      applyBatch: async (events, checkpoint) => {
        storing++;
        try {
          return await sink.applyBatch(events, checkpoint);
        } finally {
          storing--;
        }
      },
      activate: (client) => sink.activate(client),
      drop: () => sink.drop(),
    };
    const decoder: EventDecoder = {
      decode: async (events) => {
        if (storing > 0) decodedWhileStoring++;
        return plainDecoder.decode(events);
      },
    };
    const runner = new ProjectionRunner(store, decoder, watched, { maxBatchSize: 50, retryDelayMs: 50 });
    await runToEnd(runner, store, database, 'read_model', 1);
    await runner.stop();
    expect(batches).toBe(4); // the failed third, then the same again
    expect(decodedWhileStoring).toBeGreaterThan(0);

    const fresh = new ProjectionRunner(store, plainDecoder, new PostgresProjectionSink(database.pool, new ReadModelProjector(2)), { maxBatchSize: 500 });
    await runToEnd(fresh, store, database, 'read_model', 2);
    await fresh.stop();
    expect(await snapshot(database, 1)).toEqual(await snapshot(database, 2));
  });

  test('an event it cannot read or cannot apply is parked as a dead letter, and the rest of the batch lands', async () => {
    const registered = (userId: string, email: string) => ev('UserRegistered', { userId, email, passwordHash: 'enc:v1:x', registeredAt: at().occurredAt });
    const good = randomUUID();
    await store.appendToStream(`user-${good}`, [registered(good, 'good@example.com')]);
    const organizationId = randomUUID();
    // Unreadable: the decoder finds no owner; unappliable: the table's id column takes only uuids.
    await store.appendToStream(`organization-${organizationId}`, [ev('OrganizationCreated', { organizationId, name: 'No owner given', plan: 'free', createdAt: at().occurredAt })]);
    await store.appendToStream('user-not-a-uuid', [registered('not-a-uuid', 'odd@example.com')]);
    const later = randomUUID();
    await store.appendToStream(`user-${later}`, [registered(later, 'later@example.com')]);

    const runner = new ProjectionRunner(store, plainDecoder, new PostgresProjectionSink(database.pool, new ReadModelProjector(1)));
    await runToEnd(runner, store, database, 'read_model', 1);
    await runner.stop();
    const users = await database.pool.query('SELECT email FROM users_v1 ORDER BY email');
    expect(users.rows.map((r) => r.email)).toEqual(['good@example.com', 'later@example.com']);
    const parked = await database.pool.query('SELECT event_type, stream_name, error FROM projection_dead_letters ORDER BY position_commit');
    expect(parked.rows).toEqual([
      { event_type: 'OrganizationCreated', stream_name: `organization-${organizationId}`, error: 'undecodable: MalformedEventError ownerId' },
      { event_type: 'UserRegistered', stream_name: 'user-not-a-uuid', error: 'error 22P02' },
    ]);
    expect(runner.current().deadLettered).toBe(2);
  });
});
