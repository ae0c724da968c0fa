/**
 * The EventStoreDB adapter on a three-node cluster of doubles, found through gossip: it follows a leader change
 * without failing the caller, and a leader killed while a writer appends and a subscriber reads loses nothing.
 */
import { randomUUID } from 'node:crypto';
import { EsdbEventStore } from '@accounts/event-store';
import { startEsdbCluster, type EsdbCluster } from '../esdb-double/esdb-cluster';
import { newEvent } from './conformance';
import { appendAndSubscribeThroughOutage } from './esdb.outage';

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
      await store.appendToStream(stream, [newEvent()]);
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
      const { appended } = await appendAndSubscribeThroughOutage(writer, reader, () => cluster.killLeader({ electionMs: 500 }));
      const inLog = cluster.log.events.filter((event) => event.type === 'Survived').map((event) => event.id);
      expect(inLog).toEqual(appended); // nothing lost, nothing twice
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });
});
