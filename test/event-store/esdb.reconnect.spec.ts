import { randomUUID } from 'node:crypto';
import { EsdbEventStore, EventStoreUnavailableError } from '../../libs/event-store/src';
import { startEsdbDouble } from '../esdb-double/esdb-double';
import { newEvent } from './conformance';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('EventStoreDB adapter: a subscriber survives a server restart and resumes without loss or repeats; appends during the outage are retryable errors', async () => {
  const server = await startEsdbDouble();
  const writer = new EsdbEventStore(server.connectionString);
  const reader = new EsdbEventStore(server.connectionString);
  const seen: string[] = [];
  const subscription = reader.subscribeToAll({ maxBatchSize: 20, handle: async ({ events }) => void seen.push(...events.map((e) => e.id)) });
  await subscription.caughtUp;

  const appended: string[] = [];
  const appendSome = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const event = newEvent('Survived');
      await writer.appendToStream(`thing-${randomUUID()}`, [event]);
      appended.push(event.id);
    }
  };
  await appendSome(50);
  await server.restart();
  // Right after the restart the first calls may still fail on the old connection: they must fail typed, retryable.
  let unavailable = 0;
  for (let i = 0; i < 50; i++) {
    try {
      await appendSome(1);
    } catch (error) {
      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      unavailable++;
      await sleep(100);
    }
  }
  await appendSome(50);
  for (let i = 0; i < 200 && seen.length < appended.length; i++) await sleep(50);
  expect(seen).toEqual(appended);
  expect(unavailable).toBeLessThan(50);
  await subscription.stop();
  await Promise.all([writer.close(), reader.close()]);
  await server.stop();
}, 60_000);
