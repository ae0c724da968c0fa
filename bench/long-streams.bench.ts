/**
 * Long streams (`npm run bench:long-streams`): what a command costs on a stream with a long history against the same
 * command on a new one, in one run, alternating, so the machine's noise falls on both alike (goal: within 1.2x):
 * login, password change and erasure of a user with 100,000 past events against a new user; adding a member to an
 * organization of 50,000 members against a new organization. Also the PostgreSQL round trips each command makes,
 * counted on every pg client of the process. The API runs in-process (Fastify inject), on the PostgreSQL event store,
 * without projectors; histories are appended directly through the app's codec and store. BENCH_USER_EVENTS,
 * BENCH_MEMBERS, BENCH_SAMPLES and BENCH_ERASURES shrink or grow it.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { EventCodec } from '@accounts/event-codec';
import type { EventStore } from '@accounts/event-store';
import { loadConfig } from '@accounts/config';
import { createApp } from '../apps/api/src/create-app';
import { EVENT_STORE } from '../apps/api/src/infrastructure/tokens';
import { createTestDatabase } from '../test/support/postgres';
import { seedMembers, seedUserStream } from '../test/commands/seed-streams';
import { type Figure, median, printTable, writeResults } from './lib/bench-kit';

const USER_EVENTS = Number(process.env.BENCH_USER_EVENTS ?? 100_000);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 50_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);
const ERASURES = Number(process.env.BENCH_ERASURES ?? 3);
const PASSWORDS = ['correct horse battery', 'another fine secret'];

/** Every query any pg client of this process sends: one round trip each. */
let roundTrips = 0;
const query = Client.prototype.query as (...args: unknown[]) => unknown;
Client.prototype.query = function counted(this: Client, ...args: unknown[]) {
  roundTrips++;
  return query.apply(this, args);
} as typeof Client.prototype.query;

interface Sample {
  ms: number;
  roundTrips: number;
}

async function main(): Promise<void> {
  const database = await createTestDatabase('bench_long');
  const env = { DATABASE_URL: database.url, REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' };
  // Projectors start once to create the read model (erasure reads memberships from it), then the measured process runs
  // without them, so that every round trip counted is the command's.
  await (await createApp(loadConfig({ ...env, RUN_PROJECTORS: 'true' }), {})).close();
  const app = await createApp(loadConfig({ ...env, RUN_PROJECTORS: 'false' }), {});
  const fastify = app.getHttpAdapter().getInstance();
  const send = async (method: string, url: string, body: unknown, actor?: string): Promise<Sample & { status: number; body: any }> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const before = roundTrips;
    const started = performance.now();
    const response = await fastify.inject({
      method: method as 'POST',
      url,
      headers: {
        authorization: 'Bearer dev-local-key',
        'idempotency-key': randomUUID(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(actor ? { 'x-actor-id': actor } : {}),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    const sample = { ms: performance.now() - started, roundTrips: roundTrips - before, status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
    if (sample.status >= 300) throw new Error(`${method} ${url}: ${sample.status} ${response.body}`);
    return sample;
  };
  const figures: Figure[] = [];
  try {
    const store = app.get<EventStore>(EVENT_STORE);
    const codec = app.get(EventCodec);
    const newUser = async (label: string, history: number) => {
      const email = `${label}-${randomUUID()}@example.com`;
      const { body } = await send('POST', '/v1/users', { email, password: PASSWORDS[0] });
      if (history > 0) await seedUserStream(store, codec, body.id, history - 1, { append: true });
      await send('POST', '/v1/sessions', { email, password: PASSWORDS[0] }); // its first command folds the history once
      return { id: body.id as string, email, password: 0 };
    };
    const [long, fresh] = [await newUser('long', USER_EVENTS), await newUser('new', 0)];

    /** `command` on the long history and on the new one, alternating, SAMPLES times each. */
    const compare = async (name: string, command: (user: typeof long) => Promise<Sample>, samples = SAMPLES) => {
      const runs: { long: Sample[]; fresh: Sample[] } = { long: [], fresh: [] };
      for (let i = 0; i < samples; i++) {
        runs.long.push(await command(long));
        runs.fresh.push(await command(fresh));
      }
      record(name, runs);
    };
    const record = (name: string, runs: { long: Sample[]; fresh: Sample[] }) => {
      const [ours, peer] = [runs.long.map((s) => s.ms), runs.fresh.map((s) => s.ms)];
      figures.push({ name, unit: 'ms', runs: ours, median: median(ours), peer: { name: 'new', median: median(peer), ratio: median(ours) / median(peer) } });
      const trips = runs.long.map((s) => s.roundTrips);
      figures.push({ name: `  PostgreSQL round trips (long; new: ${median(runs.fresh.map((s) => s.roundTrips))})`, unit: 'round trips', runs: trips, median: median(trips) });
    };

    await compare(`login, user of ${USER_EVENTS.toLocaleString('en-US')} events`, (user) => send('POST', '/v1/sessions', { email: user.email, password: PASSWORDS[user.password] }));
    await compare(`password change, user of ${USER_EVENTS.toLocaleString('en-US')} events`, (user) => {
      const [current, next] = [PASSWORDS[user.password]!, PASSWORDS[1 - user.password]!];
      user.password = 1 - user.password;
      return send('POST', `/v1/users/${user.id}/password`, { currentPassword: current, newPassword: next }, user.id);
    });
    const erasures = { long: [] as Sample[], fresh: [] as Sample[] };
    for (let i = 0; i < ERASURES; i++) {
      const [a, b] = [await newUser('erase-long', USER_EVENTS), await newUser('erase-new', 0)];
      erasures.long.push(await send('DELETE', `/v1/users/${a.id}`, undefined, a.id));
      erasures.fresh.push(await send('DELETE', `/v1/users/${b.id}`, undefined, b.id));
    }
    record(`erasure, user of ${USER_EVENTS.toLocaleString('en-US')} events`, erasures);

    // Organizations: one of MEMBERS members (its history appended directly), one new; members-to-be are registered users.
    const owner = (await newUser('owner', 0)).id;
    const big = (await send('POST', '/v1/organizations', { name: 'Big' }, owner)).body.id as string;
    const small = (await send('POST', '/v1/organizations', { name: 'Small' }, owner)).body.id as string;
    await seedMembers(store, codec, big, MEMBERS - 1);
    const joiners = await Promise.all(Array.from({ length: 2 * SAMPLES + 2 }, async () => {
      const id = randomUUID();
      await seedUserStream(store, codec, id, 0);
      return id;
    }));
    const addMember = (organizationId: string) => send('POST', `/v1/organizations/${organizationId}/members`, { userId: joiners.pop(), role: 'member' }, owner);
    await addMember(big); // the first command after the history was appended folds it once
    await addMember(small);
    const members = { long: [] as Sample[], fresh: [] as Sample[] };
    for (let i = 0; i < SAMPLES; i++) {
      members.long.push(await addMember(big));
      members.fresh.push(await addMember(small));
    }
    record(`add member, organization of ${MEMBERS.toLocaleString('en-US')} members`, members);

    printTable('Long streams (ratio: long history / new, same run)', figures);
    console.log(`results: ${writeResults('long-streams', figures)}`);
  } finally {
    await app.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
