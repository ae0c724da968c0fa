/**
 * Projection catch-up benchmark (`npm run bench:projections`): events per second from position 0 into the
 * PostgreSQL read model, the Redis sessions projection and the PostgreSQL search projection, against PostgreSQL COPY
 * of the same number of rows (the limit for bulk writes). BENCH_EVENTS sets the size (default 100,000);
 * BENCH_ONLY=read-model leaves out search and sessions.
 * The events are what production stores: emails, password hashes and IPs sealed with a data key per person, opened
 * by the projectors' own decoder (one key query per batch, one AES-GCM open per field), as a real rebuild does.
 * The rebuild also prints the CPU seconds this process and the database's backends spent on it (a machine shared with
 * other work changes the wall time more than these); BENCH_PROFILE=1 profiles this process during the rebuild and
 * prints where its CPU went.
 */
import { createSecretKey, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { personalDataOf } from '@accounts/domain';
import { EventCodec } from '@accounts/event-codec';
import { PostgresEventStore, type NewEvent } from '@accounts/event-store';
import { DataKeyStore, encrypt, FieldSealer, loadMasterKey, type MasterKey } from '@accounts/privacy';
import { ProjectedEventDecoder } from '@accounts/projections/runtime/projected-event-decoder';
import { ReadModelProjector } from '@accounts/projections/read-model/read-model.projector';
import { PostgresProjectionSink } from '@accounts/projections/runtime/postgres-sink';
import { LeaseConnection } from '@accounts/projections/runtime/projection-lease';
import { ProjectionRegistry } from '@accounts/projections/runtime/projection-registry';
import { type EventDecoder, ProjectionRunner } from '@accounts/projections/runtime/projection-runner';
import { ProjectionSupervisor } from '@accounts/projections/runtime/projection-supervisor';
import type { ProjectionSink } from '@accounts/projections/runtime/projection-sink';
import { PostgresSearchProjector } from '@accounts/projections/search/postgres-search.projector';
import { RedisSessionsSink } from '@accounts/projections/sessions/redis-sessions.sink';
import { createTestDatabase } from '../test/support/postgres';
import { testRedisUrl } from '../test/support/redis';
import { type Figure, printTable, writeResults } from './lib/bench-kit';
import { databaseBackends, databaseBackendSecondsSince } from './lib/cpu-accounting';
import { summariseProfile } from './lib/profile';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
/** `BENCH_ONLY=read-model`: the read model's catch-up and rebuild beside COPY, without search and sessions (1,000,000 events). */
const ONLY = process.env.BENCH_ONLY;
if (ONLY && ONLY !== 'read-model') throw new Error(`BENCH_ONLY=${ONLY}: only read-model is known`);
const PASSWORD_HASH = `$argon2id$v=19$m=19456,t=2,p=1$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`;

/**
 * Seals personal fields as the write side does, with keys made here and stored in one statement per organization
 * (the write side makes each person's key on their first command: slower to seed, the same to read).
 */
class SeedSealer {
  private readonly sealer: FieldSealer;
  private readonly wrappingKey: KeyObject;
  constructor(
    private readonly pool: Pool,
    private readonly master: MasterKey,
  ) {
    this.sealer = new FieldSealer(new DataKeyStore(pool, master));
    this.wrappingKey = createSecretKey(master.key);
  }

  async keysFor(subjectIds: string[]): Promise<Map<string, KeyObject>> {
    const raw = subjectIds.map(() => randomBytes(32));
    await this.pool.query('INSERT INTO data_keys (subject_id, wrapped_key, master_key_id) SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[])', [
      subjectIds,
      subjectIds.map((id, i) => encrypt(this.wrappingKey, raw[i]!, `data-key:${id}`)),
      subjectIds.map(() => this.master.id),
    ]);
    return new Map(subjectIds.map((id, i) => [id, createSecretKey(raw[i]!)]));
  }

  sealed(type: string, data: Record<string, unknown>, key: KeyObject): Record<string, unknown> {
    const spec = personalDataOf(type);
    if (!spec) return data;
    const subjectId = data[spec.subjectField] as string;
    return { ...data, ...Object.fromEntries(spec.fields.filter((field) => typeof data[field] === 'string').map((field) => [field, this.sealer.sealWith(key, subjectId, data[field] as string)])) };
  }
}

/** A realistic mix: per organization of 10 users, 10 registrations, creation, 10 joins, 5 logins, a rename. */
async function seed(store: PostgresEventStore, sealer: SeedSealer): Promise<number> {
  let written = 0;
  const now = () => ({ occurredAt: new Date().toISOString() });
  while (written < EVENTS) {
    const organizationId = randomUUID();
    const users = Array.from({ length: 10 }, () => randomUUID());
    const keys = await sealer.keysFor(users);
    const batch: [string, NewEvent[]][] = users.map((userId) => [
      `user-${userId}`,
      [{ id: randomUUID(), type: 'UserRegistered', data: sealer.sealed('UserRegistered', { userId, email: `${userId}@example.com`, passwordHash: PASSWORD_HASH, registeredAt: now().occurredAt }, keys.get(userId)!), metadata: now() }],
    ]);
    batch.push([
      `organization-${organizationId}`,
      [
        { id: randomUUID(), type: 'OrganizationCreated', data: { organizationId, name: `Org ${written}`, plan: 'free', ownerId: users[0], createdAt: now().occurredAt }, metadata: now() },
        ...users.map((userId, i) => ({ id: randomUUID(), type: 'MemberJoined', data: { organizationId, userId, role: i === 0 ? 'owner' : 'member', joinedAt: now().occurredAt }, metadata: now() })),
        { id: randomUUID(), type: 'OrganizationRenamed', data: { organizationId, name: `Renamed ${written}`, renamedAt: now().occurredAt }, metadata: now() },
      ],
    ]);
    for (const userId of users.slice(0, 5)) {
      const login = { userId, sessionId: randomUUID(), tokenHash: 'a'.repeat(64), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), ip: '203.0.113.7', at: now().occurredAt };
      batch.push([`user-${userId}`, [{ id: randomUUID(), type: 'UserLoggedIn', data: sealer.sealed('UserLoggedIn', login, keys.get(userId)!), metadata: now() }]]);
    }
    await Promise.all(batch.map(([stream, events]) => store.appendToStream(stream, events)));
    written += batch.reduce((n, [, events]) => n + events.length, 0);
  }
  return written;
}

/** A figure counts only if the projector really opened what was sealed: every email readable, nothing parked. */
async function expectOpened(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{ sealed: number; parked: number }>(
    `SELECT (SELECT count(*)::int FROM users_v1 WHERE email IS NULL OR email NOT LIKE '%@example.com') AS sealed,
            (SELECT count(*)::int FROM projection_dead_letters) AS parked`,
  );
  if (rows[0]!.sealed > 0 || rows[0]!.parked > 0) throw new Error(`the read model is wrong: ${JSON.stringify(rows[0])}`);
}

/** The projectors' decoder, with a key cache of its own, cold, as in a projector process that starts a rebuild. */
function productionDecoder(pool: Pool, master: MasterKey): EventDecoder {
  return new ProjectedEventDecoder(new EventCodec(new FieldSealer(new DataKeyStore(pool, master))));
}

async function measure(store: PostgresEventStore, decoder: EventDecoder, sink: ProjectionSink, total: number): Promise<number> {
  const runner = new ProjectionRunner(store, decoder, sink, { maxBatchSize: 1_000 });
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
async function measureRebuild(store: PostgresEventStore, decoder: EventDecoder, pool: Pool, total: number): Promise<{ ms: number; rate: number }> {
  const registry = new ProjectionRegistry(pool);
  const lease = new LeaseConnection({ ...pool.options, application_name: 'bench-lease' });
  const supervisor = new ProjectionSupervisor(
    { name: 'read_model', externalCheckpoint: false, sinkFor: (version) => new PostgresProjectionSink(pool, new ReadModelProjector(version)) },
    store,
    decoder,
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

/** Starts V8's profiler in this process; the function returned stops it and writes the profile, returning its path. */
async function startProfile(): Promise<() => Promise<string>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const file = join(tmpdir(), `rebuild-${Date.now()}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return file;
  };
}

async function main(): Promise<void> {
  const database = await createTestDatabase('bench');
  const store = new PostgresEventStore({ connectionString: database.url, poolConfig: { max: 16 } });
  const redis = new Redis(testRedisUrl(7));
  await redis.flushdb();
  try {
    const master = loadMasterKey({});
    const total = await seed(store, new SeedSealer(database.pool, master));
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

    const readModel = await measure(store, productionDecoder(database.pool, master), new PostgresProjectionSink(database.pool, new ReadModelProjector(1)), total);
    await expectOpened(database.pool);
    figures.push({ name: `read model catch-up from 0 (${total.toLocaleString('en-US')} events)`, unit: 'events/s', runs: [readModel], median: readModel, peer: { name: 'COPY rows', median: copyRate, ratio: readModel / copyRate } });
    const cpuBefore = { node: process.cpuUsage(), postgres: databaseBackends(database.name) };
    const profiler = process.env.BENCH_PROFILE ? await startProfile() : undefined;
    const rebuild = await measureRebuild(store, productionDecoder(database.pool, master), database.pool, total);
    const profile = await profiler?.();
    const node = process.cpuUsage(cpuBefore.node);
    console.log(
      `read model rebuild CPU: this process ${((node.user + node.system) / 1e6).toFixed(1)} s, the database's backends ${databaseBackendSecondsSince(cpuBefore.postgres, database.name).toFixed(1)} s, over ${(rebuild.ms / 1000).toFixed(1)} s`,
    );
    if (profile) console.log(`where this process's CPU went during the rebuild (${profile}):\n${summariseProfile(profile, 30)}`);
    figures.push({ name: 'read model blue/green rebuild, request to swap', unit: 'events/s', runs: [rebuild.rate], median: rebuild.rate, peer: { name: 'COPY rows', median: copyRate, ratio: rebuild.rate / copyRate } });
    console.log(`read model rebuild of ${total.toLocaleString('en-US')} events: ${(rebuild.ms / 1000).toFixed(1)} s from request to swap`);
    if (ONLY) {
      printTable('Projections', figures);
      console.log(`results: ${writeResults('projections', figures)}`);
      return;
    }
    const search = await measure(store, productionDecoder(database.pool, master), new PostgresProjectionSink(database.pool, new PostgresSearchProjector(1)), total);
    figures.push({ name: 'search (PostgreSQL) catch-up from 0', unit: 'events/s', runs: [search], median: search });
    const sessions = await measure(store, productionDecoder(database.pool, master), new RedisSessionsSink(redis, { version: 1, idleSeconds: 1800 }), total);
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
