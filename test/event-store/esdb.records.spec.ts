/** What the double writes and reports as a real server does, where the adapter depends on it: tombstones and `created`. */
import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { EsdbEventStore, type RecordedEvent } from '@accounts/event-store';
import { startEsdbDouble, type EsdbDouble } from '../esdb-double/esdb-double';
import { newEvent } from './conformance';

describe('EventStoreDB records', () => {
  jest.setTimeout(30_000);
  let server: EsdbDouble;
  let store: EsdbEventStore;
  let client: EventStoreDBClient;
  beforeEach(async () => {
    server = await startEsdbDouble();
    store = new EsdbEventStore(server.connectionString);
    client = EventStoreDBClient.connectionString(server.connectionString);
  });
  afterEach(async () => {
    await client.dispose();
    await store.close();
    await server.stop();
  });

  test('a tombstone writes a $streamDeleted record to $all, which the adapter never shows, reading or subscribed', async () => {
    const stream = `thing-${randomUUID()}`;
    await store.appendToStream(stream, [newEvent()]);
    await store.deleteStream(stream);
    const after = await store.appendToStream(`thing-${randomUUID()}`, [newEvent('After')]);

    const records = server.log.events.filter((event) => event.streamName === stream).map((event) => event.type);
    expect(records).toEqual(['ThingHappened', '$streamDeleted']);
    expect((await store.readAll()).map((event) => event.type)).toEqual(['ThingHappened', 'After']);
    expect((await store.readAll({ filter: { streamPrefixes: ['thing-'] } })).map((event) => event.type)).toEqual(['ThingHappened', 'After']);
    expect((await store.headPosition())!.commit).toBe(after.position.commit);

    const seen: RecordedEvent[] = [];
    const subscription = store.subscribeToAll({ filter: { streamPrefixes: ['thing-'] }, handle: async (batch) => void seen.push(...batch.events) });
    await subscription.caughtUp;
    await subscription.stop();
    expect(seen.map((event) => event.type)).toEqual(['ThingHappened', 'After']);
  });

  test('`created` is the time of the write: an event without metadata (written by another tool) gets it as occurredAt', async () => {
    const stream = `thing-${randomUUID()}`;
    const before = Date.now();
    await client.appendToStream(stream, jsonEvent({ type: 'Foreign', data: { a: 1 } }));
    const [raw] = await readAllOf(client, stream);
    expect(Math.abs(raw!.getTime() - before)).toBeLessThan(60_000);

    const [event] = await store.readStream(stream);
    expect(Math.abs(Date.parse(event!.metadata.occurredAt) - before)).toBeLessThan(60_000);
  });
});

async function readAllOf(client: EventStoreDBClient, stream: string): Promise<Date[]> {
  const created: Date[] = [];
  for await (const resolved of client.readStream(stream)) if (resolved.event) created.push(resolved.event.created);
  return created;
}
