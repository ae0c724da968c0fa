/**
 * Idempotent appends as a real EventStoreDB gives them (its IndexWriter, reproduced by the double): with an exact
 * expected revision a repeat is recognised where the events sit, for good; with `any` only while the node still
 * has the ids in its bounded in-memory cache, which a restart empties. So the guarantee callers rely on is the
 * aggregate store's: exact revisions, and its own look for the command's event ids in the stream.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AggregateStore } from '@accounts/aggregates';
import { organizationDecider } from '@accounts/domain';
import { EventCodec } from '@accounts/event-codec';
import { EsdbEventStore } from '@accounts/event-store';
import { DataKeyStore, FieldSealer, masterKeyFrom } from '@accounts/privacy';
import { startEsdbDouble, type EsdbDouble } from '../esdb-double/esdb-double';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';
import { newEvent } from './conformance';

describe('EventStoreDB idempotent append, as the server gives it', () => {
  jest.setTimeout(60_000);
  let server: EsdbDouble;
  let store: EsdbEventStore;
  beforeEach(async () => {
    server = await startEsdbDouble();
    store = new EsdbEventStore(server.connectionString);
  });
  afterEach(async () => {
    await store.close();
    await server.stop();
  });

  test('with `any`, a repeat is recognised while the node remembers the ids, and appended again after a restart', async () => {
    const stream = `thing-${randomUUID()}`;
    const events = [newEvent(), newEvent()];
    const first = await store.appendToStream(stream, events);
    expect((await store.appendToStream(stream, events)).nextExpectedRevision).toBe(first.nextExpectedRevision);
    expect(await store.readStream(stream)).toHaveLength(2);

    await server.restart({ downForMs: 50 });
    await store.appendToStream(stream, events).catch(() => store.appendToStream(stream, events)); // the first call may meet the cut connection
    expect((await store.readStream(stream)).map((event) => event.id)).toEqual([...events, ...events].map((event) => event.id));
  });

  test('with `any`, the cache is bounded: an old repeat is appended again', async () => {
    await store.close();
    await server.stop();
    server = await startEsdbDouble({ committedEventsCacheBytes: 4_096 });
    store = new EsdbEventStore(server.connectionString);
    const stream = `thing-${randomUUID()}`;
    const old = [newEvent()];
    await store.appendToStream(stream, old);
    for (let i = 0; i < 10; i++) await store.appendToStream(`thing-${randomUUID()}`, Array.from({ length: 10 }, () => newEvent()));
    await store.appendToStream(stream, old);
    expect(await store.readStream(stream)).toHaveLength(2);
  });

  test('with an exact revision, a repeat is recognised after a restart too, and one that only partly matches is a conflict', async () => {
    const stream = `thing-${randomUUID()}`;
    const events = [newEvent(), newEvent()];
    const first = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
    await server.restart({ downForMs: 50 });
    const repeat = await store
      .appendToStream(stream, events, { expectedRevision: 'no_stream' })
      .catch(() => store.appendToStream(stream, events, { expectedRevision: 'no_stream' }));
    expect(repeat).toEqual(first);
    await expect(store.appendToStream(stream, [events[0]!, newEvent()], { expectedRevision: 'no_stream' })).rejects.toMatchObject({ code: 'wrong_expected_revision' });
    expect(await store.readStream(stream)).toHaveLength(2);
  });
});

describe('the aggregate store on EventStoreDB: its own id check is the guarantee', () => {
  jest.setTimeout(60_000);
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('esdbidem');
  });
  afterAll(async () => {
    await database.drop();
    await dropTemplate();
  });

  test('the same command run again after the node restarted (its id cache empty) appends nothing', async () => {
    const server = await startEsdbDouble();
    const store = new EsdbEventStore(server.connectionString);
    try {
      const codec = new EventCodec(new FieldSealer(new DataKeyStore(database.pool, masterKeyFrom(randomBytes(32)))));
      const aggregates = new AggregateStore(store, codec);
      const organizationId = randomUUID();
      const now = new Date().toISOString();
      const command = { type: 'CreateOrganization', data: { organizationId, name: 'Acme', now }, actor: { userId: randomUUID(), isActive: true, mayManageUsers: false } } as const;
      const context = { metadata: { occurredAt: now, service: 'test' }, idSeed: `test:${randomUUID()}` };
      const stream = `organization-${organizationId}`;

      const first = await aggregates.execute(stream, organizationDecider, command, context);
      expect(first.alreadyApplied).toBe(false);
      await server.restart({ downForMs: 50 });
      // The first call may meet the cut connection (retryable); the caller's retry is the same command.
      const again = await aggregates.execute(stream, organizationDecider, command, context).catch(() => aggregates.execute(stream, organizationDecider, command, context));
      expect(again.alreadyApplied).toBe(true);
      expect(await store.readStream(stream)).toHaveLength(first.events.length);
    } finally {
      await store.close();
      await server.stop();
    }
  });
});
