/**
 * Webhook deliveries benchmark (`npm run bench:webhooks`): deliveries per second from one endpoint's backlog to a
 * receiver on loopback, against the floor of the same POSTs sent by a bare loop (no store, no signing, no records);
 * and the time from a command's response to its webhook's arrival (p50, p99), one command at a time.
 * BENCH_DELIVERIES sets the backlog (default 2,000), BENCH_LATENCY_SAMPLES the samples (default 200).
 */
import { request } from 'node:http';
import { v7 as uuidv7 } from 'uuid';
import type { Pool } from 'pg';
import type { RedisClient } from '@accounts/config';
import { EventCodec } from '@accounts/event-codec';
import { FieldSealer } from '@accounts/privacy';
import type { EventStore } from '@accounts/event-store';
import { organizationStream } from '@accounts/streams';
import { EVENT_STORE, PG_POOL, REDIS } from '../apps/api/src/infrastructure/tokens';
import { ProjectionsHost } from '@accounts/projections/projections-host';
import { ProjectedEventDecoder } from '@accounts/projections/runtime/projected-event-decoder';
import { createTestApp } from '../test/support/app';
import { startReceiver, until } from '../test/webhooks/webhook-receiver';
import { type Figure, median, printTable, writeResults } from './lib/bench-kit';

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 2_000);
const SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200);

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

/** The floor: the same number of POSTs, one after another (deliveries to one endpoint are sequential), from a bare loop. */
async function bareLoop(url: string, count: number, body: string): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'webhook-id': `evt_floor_${i}` } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  return count / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const app = await createTestApp({ redisDb: 10, env: { WEBHOOK_ALLOW_PRIVATE: 'true', RUN_PROJECTORS: 'false' } });
  const arrivals = new Map<string, number>();
  const receiver = await startReceiver((_, id) => (arrivals.has(id) || arrivals.set(id, performance.now()), 204));
  const codec = app.app.get(EventCodec);
  const eventStore = app.app.get<EventStore>(EVENT_STORE);
  let host: ProjectionsHost | undefined;
  const startHost = async () => {
    host = new ProjectionsHost({
      pool: app.app.get<Pool>(PG_POOL),
      redis: app.app.get<RedisClient>(REDIS),
      eventStore,
      decoder: new ProjectedEventDecoder(codec),
      codec,
      sealer: app.app.get(FieldSealer),
      sessionIdleSeconds: 1800,
      tickMs: 100,
      webhooks: { allowPrivate: true },
    });
    await host.start();
  };
  try {
    const user = await app.request('POST', '/v1/users', { body: { email: 'bench@example.com', password: 'correct horse battery' } });
    const actor = { 'x-actor-id': user.body.id as string };
    const created = await app.request('POST', '/v1/webhooks', { body: { url: receiver.url, types: ['organization.created', 'organization.renamed'] } });
    if (created.status !== 201) throw new Error(`webhook not created: ${created.status}`);

    // A backlog of organizations created straight into the store (as a burst of commands would leave it).
    for (let offset = 0; offset < DELIVERIES; offset += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, DELIVERIES - offset) }, async (_, i) => {
          const organizationId = uuidv7();
          const event = await codec.encode(
            { type: 'OrganizationCreated', data: { organizationId, name: `Bench ${offset + i}`, plan: 'free', ownerId: user.body.id, createdAt: new Date().toISOString() } },
            uuidv7(),
            { occurredAt: new Date().toISOString(), service: 'bench' },
          );
          await eventStore.appendToStream(organizationStream(organizationId), [event], { expectedRevision: 'no_stream' });
        }),
      );
    }
    const backlogStarted = performance.now();
    await startHost();
    await until(() => arrivals.size >= DELIVERIES, 600_000, 'the backlog');
    const deliveriesPerSecond = DELIVERIES / ((performance.now() - backlogStarted) / 1000);
    const sampleBody = receiver.received[0]!.body;
    const floor = await bareLoop(receiver.url, DELIVERIES, sampleBody);
    const figures: Figure[] = [
      {
        name: `deliveries to one local receiver (backlog of ${DELIVERIES})`,
        unit: 'deliveries/s',
        runs: [deliveriesPerSecond],
        median: deliveriesPerSecond,
        peer: { name: 'bare POST loop', median: floor, ratio: deliveriesPerSecond / floor },
      },
    ];

    // Command response → webhook arrival, one command at a time, the projector live.
    const org = await app.request('POST', '/v1/organizations', { body: { name: 'Latency' }, headers: actor });
    await until(() => arrivals.size >= DELIVERIES + 1, 30_000, 'the organization');
    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const before = arrivals.size;
      const renamed = await app.request('PATCH', `/v1/organizations/${org.body.id}`, { body: { name: `Latency ${i}` }, headers: actor });
      const answered = performance.now();
      if (renamed.status !== 200) throw new Error(`rename failed: ${renamed.status}`);
      await until(() => arrivals.size > before, 30_000, 'the rename webhook');
      latencies.push(Math.max(...arrivals.values()) - answered);
    }
    figures.push(
      { name: 'command response → webhook arrival, p50', unit: 'ms', runs: [percentile(latencies, 50)], median: median(latencies) },
      { name: 'command response → webhook arrival, p99', unit: 'ms', runs: [percentile(latencies, 99)], median: percentile(latencies, 99) },
    );
    printTable('Webhook deliveries', figures);
    console.log(`results: ${writeResults('webhooks', figures)}`);
  } finally {
    await host?.stop();
    await receiver.close();
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
