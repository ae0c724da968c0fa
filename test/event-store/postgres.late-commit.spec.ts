import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { comparePositions, PostgresEventStore, type RecordedEvent } from '@accounts/event-store';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';
import { newEvent } from './conformance';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgreSQL event store: positions under concurrent transactions', () => {
  jest.setTimeout(60_000);
  let database: TestDatabase;
  let store: PostgresEventStore;

  beforeEach(async () => {
    database = await createTestDatabase('es');
    store = new PostgresEventStore({ connectionString: database.url, poolConfig: { max: 4, application_name: 'es-under-test' } });
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  test('a transaction that commits late is delivered in order, and nothing after it is delivered before it', async () => {
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribeToAll({ handle: async ({ events }) => void seen.push(...events) });
    await subscription.caughtUp;

    // The slow writer takes its transaction id first, appends, and keeps the transaction open.
    const slow = new Client({ connectionString: database.url });
    await slow.connect();
    await slow.query('BEGIN');
    const lateEvent = newEvent('Late');
    await slow.query(`SELECT * FROM es_append($1, 'any', NULL, $2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[])`, [
      `thing-${randomUUID()}`,
      [lateEvent.id],
      [lateEvent.type],
      [JSON.stringify(lateEvent.data)],
      [JSON.stringify(lateEvent.metadata)],
    ]);

    // Faster writers commit after it started: their transaction ids are higher.
    const quick = [];
    for (let i = 0; i < 5; i++) quick.push(await store.appendToStream(`thing-${randomUUID()}`, [newEvent('Quick')]));
    await sleep(500);
    expect(seen).toHaveLength(0); // delivering them now would let the late event land behind the checkpoint

    await slow.query('COMMIT');
    await slow.end();
    for (let i = 0; i < 100 && seen.length < 6; i++) await sleep(50);
    expect(seen.map((e) => e.type)).toEqual(['Late', 'Quick', 'Quick', 'Quick', 'Quick', 'Quick']);
    for (let i = 1; i < seen.length; i++) expect(comparePositions(seen[i - 1]!.position, seen[i]!.position)).toBeLessThan(0);
    expect(comparePositions(seen.at(-1)!.position, quick.at(-1)!.position)).toBe(0);
    await subscription.stop();
  });

  test('under contention on a few streams, $all keeps every stream in revision order', async () => {
    const streams = Array.from({ length: 3 }, () => `hot-${randomUUID()}`);
    const writers = Array.from({ length: 16 }, () => new PostgresEventStore({ connectionString: database.url, poolConfig: { max: 1 } }));
    await Promise.all(writers.map(async (writer, w) => {
      for (let i = 0; i < 120; i++) await writer.appendToStream(streams[(i + w) % streams.length]!, [newEvent('Hot')]);
    }));
    await Promise.all(writers.map((writer) => writer.close()));
    const all = await store.readAll({ maxCount: 10_000 });
    expect(all).toHaveLength(16 * 120);
    for (const stream of streams) {
      const revisions = all.filter((e) => e.streamName === stream).map((e) => e.revision);
      expect(revisions).toEqual(revisions.map((_, i) => BigInt(i)));
    }
  });

  test('a subscriber survives its connections being killed, and resumes without loss or repeats', async () => {
    const seen: string[] = [];
    const subscription = store.subscribeToAll({ maxBatchSize: 50, handle: async ({ events }) => void seen.push(...events.map((e) => e.id)) });
    await subscription.caughtUp;

    const writer = new PostgresEventStore({ connectionString: database.url, poolConfig: { max: 2 } });
    const appended: string[] = [];
    const killer = new Client({ connectionString: database.url });
    await killer.connect();
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 40; i++) {
        const event = newEvent('Survived');
        await writer.appendToStream(`thing-${randomUUID()}`, [event]);
        appended.push(event.id);
      }
      await killer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'es-under-test' AND pid <> pg_backend_pid()`);
    }
    for (let i = 0; i < 200 && seen.length < appended.length; i++) await sleep(50);
    expect(seen).toEqual(appended);
    await killer.end();
    await writer.close();
    await subscription.stop();
  });
});

afterAll(() => dropTemplate());
