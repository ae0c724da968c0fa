/**
 * Subscriptions on the EventStoreDB adapter as each server version behaves under a slow consumer: the server buffers
 * 32 live events and the client's HTTP/2 window is all the slack there is. Up to 23.10 an overflow ends the call
 * ("Consumer too slow"), from 24.2 the server reads on from the log and sends caught-up again; before 23.10 it never
 * sends caught-up at all. Whatever the version, the projector sees every event once, in order, and no error.
 */
import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, eventTypeFilter, START } from '@eventstore/db-client';
import { EsdbEventStore } from '@accounts/event-store';
import { startEsdbDouble } from '../esdb-double/esdb-double';
import type { ServerVersion } from '../esdb-double/node-conditions';
import { newEvent } from './conformance';
import { slowHandlerUnderConcurrentAppends } from './esdb.slow-consumer';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const versions: ServerVersion[] = ['22.10', '23.10', '24.10'];

describe.each(versions)('EventStoreDB adapter on a %s server', (version) => {
  jest.setTimeout(180_000);

  test('a slow handler (20 ms a batch) under 5,000 concurrent appends sees every event once, in order, with no error', async () => {
    const server = await startEsdbDouble({ version });
    try {
      await slowHandlerUnderConcurrentAppends(() => new EsdbEventStore(server.connectionString));
      expect(server.stats.slowConsumers).toBeGreaterThan(0); // the server did find the consumer too slow
    } finally {
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
