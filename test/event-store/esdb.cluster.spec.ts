/**
 * The EventStoreDB adapter on a three-node cluster of doubles, found through gossip: it follows a leader change
 * without failing the caller, and a leader killed while a writer appends and a subscriber reads loses nothing.
 */
import { randomUUID } from 'node:crypto';
import { comparePositions, EsdbEventStore, EventStoreUnavailableError, type SubscriptionBatch } from '../../libs/event-store/src';
import { startEsdbCluster, type EsdbCluster } from '../esdb-double/esdb-cluster';
import { newEvent } from './conformance';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  { form: 'esdb+discover:// (one DNS name)', url: (cluster: EsdbCluster) => cluster.connectionString },
  { form: 'esdb:// (gossip seeds)', url: (cluster: EsdbCluster) => cluster.seedsConnectionString },
])('EventStoreDB adapter on a three-node cluster, connected by $form', ({ url }) => {
  jest.setTimeout(120_000);
  let cluster: EsdbCluster;
  beforeEach(async () => {
    cluster = await startEsdbCluster();
  });
  afterEach(async () => {
    await cluster.stop();
  });

  test('a leader change: the next append meets NotLeader on the old leader, follows it to the new one and succeeds', async () => {
    const store = new EsdbEventStore(url(cluster));
    try {
      const stream = `thing-${randomUUID()}`;
      await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
      cluster.moveLeader();
      for (let i = 1; i <= 3; i++) {
        const result = await store.appendToStream(stream, [newEvent()], { expectedRevision: BigInt(i - 1) });
        expect(result.nextExpectedRevision).toBe(BigInt(i));
      }
      expect(cluster.stats.notLeader).toBeGreaterThan(0);
      await store.deleteStream(stream);
      await expect(store.readStream(stream)).rejects.toMatchObject({ code: 'stream_deleted' });
    } finally {
      await store.close();
    }
  });

  test('a leader killed mid-stream: appends in the election fail retryable, the retries land once, the subscriber sees each event once, in order', async () => {
    const writer = new EsdbEventStore(url(cluster));
    const reader = new EsdbEventStore(url(cluster));
    try {
      const batches: SubscriptionBatch[] = [];
      const subscription = reader.subscribeToAll({ maxBatchSize: 20, handle: async (batch) => void batches.push(batch) });
      await subscription.caughtUp;
      const seen = () => batches.flatMap((batch) => batch.events.map((event) => event.id));

      const total = 300;
      const appended: string[] = [];
      const failures: unknown[] = [];
      let killing: Promise<void> | undefined;
      for (let i = 0; i < total; i++) {
        if (i === 100) killing = cluster.killLeader({ electionMs: 500 });
        // Each event on its own new stream with no_stream: a retry of one that did land is recognised, not repeated.
        const event = newEvent('Survived', { i });
        const stream = `thing-${randomUUID()}`;
        for (;;) {
          try {
            await writer.appendToStream(stream, [event], { expectedRevision: 'no_stream' });
            break;
          } catch (error) {
            failures.push(error);
            await sleep(100);
          }
        }
        appended.push(event.id);
        if (i < 100) await sleep(2);
      }
      await killing;

      expect(failures.length).toBeGreaterThan(0);
      for (const failure of failures) {
        expect(failure).toBeInstanceOf(EventStoreUnavailableError);
        expect((failure as EventStoreUnavailableError).retryable).toBe(true);
      }
      const inLog = cluster.log.events.filter((event) => event.type === 'Survived').map((event) => event.id);
      expect(inLog).toEqual(appended); // nothing lost, nothing twice

      for (let i = 0; i < 600 && seen().length < total; i++) await sleep(50);
      await sleep(300);
      expect(seen()).toEqual(appended);
      for (let i = 1; i < batches.length; i++) {
        expect(comparePositions(batches[i]!.events[0]!.position, batches[i - 1]!.checkpoint)).toBeGreaterThan(0);
      }
      await subscription.stop();
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });
});
