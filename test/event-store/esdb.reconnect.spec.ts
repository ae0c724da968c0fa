/**
 * The EventStoreDB adapter across a server restart (the in-process double stops listening, cutting every call and
 * connection, and comes back on the same port with the same data) while a subscriber runs and a writer appends.
 */
import { randomUUID } from 'node:crypto';
import { comparePositions, EsdbEventStore, EventStoreUnavailableError, type SubscriptionBatch } from '../../libs/event-store/src';
import { startEsdbDouble } from '../esdb-double/esdb-double';
import { newEvent } from './conformance';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  { path: 'BatchAppend', batchAppend: true },
  { path: 'Append (older servers)', batchAppend: false },
])('EventStoreDB adapter across a server restart, appending through $path', ({ batchAppend }) => {
  test('the subscriber resumes after its last batch and sees every event exactly once; appends in the outage fail retryable, then succeed', async () => {
    const server = await startEsdbDouble({ batchAppend });
    const writer = new EsdbEventStore(server.connectionString);
    const reader = new EsdbEventStore(server.connectionString);
    try {
      const batches: SubscriptionBatch[] = [];
      const subscription = reader.subscribeToAll({ maxBatchSize: 20, handle: async (batch) => void batches.push(batch) });
      await subscription.caughtUp;
      const seen = () => batches.flatMap((batch) => batch.events.map((event) => event.id));

      // The writer keeps appending through the outage. A failed append may or may not have happened, so it retries
      // the same event on the same stream: the idempotent append makes a retry of one that did happen a no-op.
      const total = 300;
      const appended: string[] = [];
      const failures: unknown[] = [];
      let outage: Promise<void> | undefined;
      for (let i = 0; i < total; i++) {
        if (i === 100) outage = server.restart({ downForMs: 1_500 });
        const event = newEvent('Survived', { i });
        const stream = `thing-${randomUUID()}`;
        for (;;) {
          try {
            await writer.appendToStream(stream, [event]);
            break;
          } catch (error) {
            failures.push(error);
            await sleep(100);
          }
        }
        appended.push(event.id);
        if (i < 100) await sleep(2); // let the subscriber deliver some batches before the restart
      }
      await outage;

      expect(failures.length).toBeGreaterThan(0);
      for (const failure of failures) {
        expect(failure).toBeInstanceOf(EventStoreUnavailableError);
        expect((failure as EventStoreUnavailableError).retryable).toBe(true);
      }

      for (let i = 0; i < 600 && seen().length < total; i++) await sleep(50);
      await sleep(300); // anything delivered twice would arrive now
      expect(seen()).toEqual(appended); // each once, in order, none missed
      for (let i = 1; i < batches.length; i++) {
        expect(comparePositions(batches[i]!.events[0]!.position, batches[i - 1]!.checkpoint)).toBeGreaterThan(0);
      }
      await subscription.stop();
    } finally {
      await Promise.all([writer.close(), reader.close()]);
      await server.stop();
    }
  }, 120_000);
});
