/**
 * Projection catch-up benchmark (`npm run bench:projections`): events per second from position 0 into the
 * PostgreSQL read model, the Redis sessions projection and the PostgreSQL search projection, against PostgreSQL COPY
 * of the same number of rows (the limit for bulk writes). BENCH_EVENTS sets the size (default 100,000).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { PostgresEventStore, type NewEvent } from '../libs/event-store/src';
import { ReadModelProjector } from '../projections/src/read-model/read-model.projector';
import { PostgresProjectionSink } from '../projections/src/runtime/postgres-sink';
import { LeaseConnection } from '../projections/src/runtime/projection-lease';
import { ProjectionRegistry } from '../projections/src/runtime/projection-registry';
import { type EventDecoder, ProjectionRunner } from '../projections/src/runtime/projection-runner';
import { ProjectionSupervisor } from '../projections/src/runtime/projection-supervisor';
import type { ProjectionSink } from '../projections/src/runtime/projection-sink';
import { PostgresSearchProjector } from '../projections/src/search/postgres-search.projector';
import { RedisSessionsSink } from '../projections/src/sessions/redis-sessions.sink';
import { createTestDatabase } from '../test/support/postgres';
import { type Figure, printTable, writeResults } from './lib/bench-kit';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const plainDecoder: EventDecoder = {
  decode: async (events) => events.map((e) => ({ id: e.id, type: e.type, streamName: e.streamName, revision: e.revision, position: e.position, data: e.data as Record<string, unknown>, metadata: e.metadata })),
};

/** A realistic mix: per organization of 10 users, 10 registrations, creation, 10 joins, 5 logins, a rename. */
async function seed(store: PostgresEventStore): Promise<number> {
  let written = 0;
  const now = () => ({ occurredAt: new Date().toISOString() });
  while (written < EVENTS) {
    const organizationId = randomUUID();
    const users = Array.from({ length: 10 }, () => randomUUID());
    const batch: [string, NewEvent[]][] = users.map((userId) => [
      `user-${userId}`,
      [{ id: randomUUID(), type: 'UserRegistered', data: { userId, email: `${userId}@example.com`, passwordHash: 'enc:v1:seeded', registeredAt: now().occurredAt }, metadata: now() }],
    ]);
    batch.push([
      `organization-${organizationId}`,
      [
        { id: randomUUID(), type: 'OrganizationCreated', data: { organizationId, name: `Org ${written}`, plan: 'free', ownerId: users[0] }, metadata: now() },
        ...users.map((userId, i) => ({ id: randomUUID(), type: 'MemberJoined', data: { organizationId, userId, role: i === 0 ? 'owner' : 'member', joinedAt: now().occurredAt }, metadata: now() })),
        { id: randomUUID(), type: 'OrganizationRenamed', data: { organizationId, name: `Renamed ${written}` }, metadata: now() },
      ],
    ]);
    for (const userId of users.slice(0, 5)) {
      batch.push([`user-${userId}`, [{ id: randomUUID(), type: 'UserLoggedIn', data: { userId, sessionId: randomUUID(), tokenHash: 'a'.repeat(64), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), at: now().occurredAt }, metadata: now() }]]);
    }
    await Promise.all(batch.map(([stream, events]) => store.appendToStream(stream, events)));
    written += batch.reduce((n, [, events]) => n + events.length, 0);
  }
  return written;
}

async function measure(store: PostgresEventStore, sink: ProjectionSink, total: number): Promise<number> {
  const runner = new ProjectionRunner(store, plainDecoder, sink, { maxBatchSize: 1_000 });
  const started = performance.now();
  await runner.start();
  while (runner.current().eventsProcessed < total) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;
  await runner.stop();
  return total / seconds;
}

/**
 * The rebuild operators run: version 1 is live (built by `measure`), a supervisor holds the lease, and the time runs
 * from the rebuild request until version 2 has been built beside it, swapped in and version 1 dropped.
 */
async function measureRebuild(store: PostgresEventStore, pool: import('pg').Pool, total: number): Promise<{ ms: number; rate: number }> {
  const registry = new ProjectionRegistry(pool);
  const lease = new LeaseConnection({ ...pool.options, application_name: 'bench-lease' });
  const supervisor = new ProjectionSupervisor(
    { name: 'read_model', externalCheckpoint: false, sinkFor: (version) => new PostgresProjectionSink(pool, new ReadModelProjector(version)) },
    store,
    plainDecoder,
    registry,
    lease,
    { holder: 'bench', tickMs: 100, runner: { maxBatchSize: 1_000 } },
  );
  await supervisor.start();
  const started = performance.now();
  const { version } = await registry.requestRebuild('read_model');
  while ((await registry.versions('read_model')).live?.version !== version) await new Promise((resolve) => setTimeout(resolve, 50));
  const ms = performance.now() - started;
  await supervisor.stop();
  await lease.close();
  return { ms, rate: total / (ms / 1000) };
}

async function main(): Promise<void> {
  const database = await createTestDatabase('bench');
  const store = new PostgresEventStore({ connectionString: database.url, poolConfig: { max: 16 } });
  const redis = new Redis('redis://127.0.0.1:6379/7');
  await redis.flushdb();
  try {
    const total = await seed(store);
    const figures: Figure[] = [];

    // COPY of the same number of rows into a table shaped like the read model's memberships: the bulk-write limit.
    await database.pool.query('CREATE TABLE copy_baseline (org_id uuid, user_id uuid, role text, joined_at timestamptz)');
    const { from: copyFrom } = await import('pg-copy-streams');
    const client = await database.pool.connect();
    const copyStarted = performance.now();
    await new Promise<void>((resolve, reject) => {
      const stream = client.query(copyFrom('COPY copy_baseline FROM STDIN'));
      stream.on('finish', resolve).on('error', reject);
      const row = `${randomUUID()}\t${randomUUID()}\tmember\t2026-11-24T10:00:00Z\n`;
      let i = 0;
      const write = () => {
        while (i < total) {
          i++;
          if (!stream.write(row)) return void stream.once('drain', write);
        }
        stream.end();
      };
      write();
    });
    const copyRate = total / ((performance.now() - copyStarted) / 1000);
    client.release();

    const readModel = await measure(store, new PostgresProjectionSink(database.pool, new ReadModelProjector(1)), total);
    figures.push({ name: `read model catch-up from 0 (${total.toLocaleString('en-US')} events)`, unit: 'events/s', runs: [readModel], median: readModel, peer: { name: 'COPY rows', median: copyRate, ratio: readModel / copyRate } });
    const rebuild = await measureRebuild(store, database.pool, total);
    figures.push({ name: 'read model blue/green rebuild, request to swap', unit: 'events/s', runs: [rebuild.rate], median: rebuild.rate, peer: { name: 'COPY rows', median: copyRate, ratio: rebuild.rate / copyRate } });
    console.log(`read model rebuild of ${total.toLocaleString('en-US')} events: ${(rebuild.ms / 1000).toFixed(1)} s from request to swap`);
    const search = await measure(store, new PostgresProjectionSink(database.pool, new PostgresSearchProjector(1)), total);
    figures.push({ name: 'search (PostgreSQL) catch-up from 0', unit: 'events/s', runs: [search], median: search });
    const sessions = await measure(store, new RedisSessionsSink(redis, { version: 1, idleSeconds: 1800 }), total);
    figures.push({ name: 'sessions (Redis) catch-up from 0', unit: 'events/s', runs: [sessions], median: sessions });

    printTable('Projections', figures);
    console.log(`results: ${writeResults('projections', figures)}`);
  } finally {
    await redis.flushdb();
    await redis.quit();
    await store.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
