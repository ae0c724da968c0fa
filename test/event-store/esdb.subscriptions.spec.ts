/**
 * Subscriptions on the EventStoreDB adapter as each server version behaves under a slow consumer: the server buffers
 * 32 live events and the client's HTTP/2 window is all the slack there is. Up to 23.10 an overflow ends the call
 * ("Consumer too slow"), from 24.2 the server reads on from the log and sends caught-up again; before 23.10 it never
 * sends caught-up at all. Whatever the version, the projector sees every event once, in order, and no error.
 */
import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, eventTypeFilter, START } from '@eventstore/db-client';
import { comparePositions, EsdbEventStore, type SubscriptionBatch } from '../../libs/event-store/src';
import { startEsdbDouble } from '../esdb-double/esdb-double';
import type { ServerVersion } from '../esdb-double/node-conditions';
import { newEvent } from './conformance';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const versions: ServerVersion[] = ['22.10', '23.10', '24.10'];

describe.each(versions)('EventStoreDB adapter on a %s server', (version) => {
  jest.setTimeout(180_000);

  test('a slow handler (20 ms a batch) under 5,000 concurrent appends sees every event once, in order, with no error', async () => {
    const server = await startEsdbDouble({ version });
    const writers = Array.from({ length: 8 }, () => new EsdbEventStore(server.connectionString));
    const reader = new EsdbEventStore(server.connectionString);
    try {
      await writers[0]!.appendToStream(`thing-${randomUUID()}`, [newEvent('Before')]);
      const batches: SubscriptionBatch[] = [];
      const errors: Error[] = [];
      const subscription = reader.subscribeToAll({
        maxBatchSize: 50,
        handle: async (batch) => {
          batches.push(batch);
          await sleep(20);
        },
        onError: (error) => errors.push(error),
      });
      await subscription.caughtUp;
      expect(batches.flatMap((batch) => batch.events.map((event) => event.type))).toEqual(['Before']);

      const total = 5_000;
      const appended = await Promise.all(
        Array.from({ length: total }, async (_, i) => {
          const event = newEvent('Concurrent', { i });
          await writers[i % writers.length]!.appendToStream(`thing-${randomUUID()}`, [event]);
          return event.id;
        }),
      );
      const delivered = () => batches.flatMap((batch) => batch.events).filter((event) => event.type === 'Concurrent');
      for (let i = 0; i < 1_200 && delivered().length < total; i++) await sleep(100);
      await sleep(300); // anything delivered twice would arrive now

      const events = delivered();
      expect(server.stats.slowConsumers).toBeGreaterThan(0); // the server did find this consumer too slow
      expect(errors).toEqual([]);
      expect(events).toHaveLength(total);
      expect(new Set(events.map((event) => event.id))).toEqual(new Set(appended));
      for (let i = 1; i < events.length; i++) expect(comparePositions(events[i - 1]!.position, events[i]!.position)).toBeLessThan(0);
      await subscription.stop();
    } finally {
      await Promise.all([...writers, reader].map((store) => store.close()));
      await server.stop();
    }
  });
});

describe('the double as a server of each version', () => {
  jest.setTimeout(60_000);

  test.each(versions)('%s: a filtered subscription gets a checkpoint every 32 events scanned', async (version) => {
    const server = await startEsdbDouble({ version });
    const store = new EsdbEventStore(server.connectionString);
    const client = EventStoreDBClient.connectionString(server.connectionString);
    try {
      await store.appendToStream(`thing-${randomUUID()}`, Array.from({ length: 100 }, () => newEvent('Unwanted')));
      const checkpoints: bigint[] = [];
      const subscription = client.subscribeToAll({
        fromPosition: START,
        filter: eventTypeFilter({ prefixes: ['Wanted'], checkpointReached: (_, position) => void checkpoints.push(position.commit) }),
      });
      subscription.on('data', () => undefined);
      for (let i = 0; i < 50 && checkpoints.length < 3; i++) await sleep(20);
      await subscription.unsubscribe();
      // $all holds the server's own first record and the 100 events: checkpoints at the 32nd, 64th and 96th.
      const all = server.log.events.map((event) => event.position);
      expect(checkpoints).toEqual([all[31], all[63], all[95]]);
    } finally {
      await client.dispose();
      await store.close();
      await server.stop();
    }
  });

  test.each(versions)('%s: caught-up is sent from 23.10 on, never before', async (version) => {
    const server = await startEsdbDouble({ version });
    const client = EventStoreDBClient.connectionString(server.connectionString);
    try {
      let caughtUp = 0;
      const subscription = client.subscribeToAll({ fromPosition: START });
      subscription.on('caughtUp', () => caughtUp++);
      subscription.on('data', () => undefined);
      await sleep(300);
      await subscription.unsubscribe();
      expect(caughtUp).toBe(version === '22.10' ? 0 : 1);
    } finally {
      await client.dispose();
      await server.stop();
    }
  });
});
