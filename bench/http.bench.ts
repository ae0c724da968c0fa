/**
 * HTTP benchmark (`npm run bench:http`): adding members (POST /v1/organizations/{id}/members) with 16 concurrent
 * clients, and session validation (GET /v1/sessions/current) with 32, against the whole service listening on
 * loopback, projectors running in the same process. Users are seeded straight into the event store (hashing 20,000
 * passwords would measure argon2, not the service).
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { loadConfig } from '../apps/api/src/config/app-config';
import { createApp } from '../apps/api/src/create-app';
import { userStream } from '../apps/api/src/users/user-streams';
import { EventCodec } from '../libs/event-codec/src';
import { PostgresEventStore } from '../libs/event-store/src';
import { DataKeyStore, FieldSealer, loadMasterKey } from '../libs/privacy/src';
import { createTestDatabase } from '../test/support/postgres';
import { type Figure, printTable, writeResults } from './lib/bench-kit';

const KEY = 'dev-local-key';
const DURATION_S = 10;
const ORGANIZATIONS = 200;

interface Run {
  requests: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function load(url: string, connections: number, setup: (request: autocannon.Request) => autocannon.Request, method: 'GET' | 'POST'): Promise<Run> {
  const result = await autocannon({
    url,
    connections,
    duration: DURATION_S,
    requests: [{ method, setupRequest: setup }],
  });
  return { requests: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx };
}

async function main(): Promise<void> {
  const database = await createTestDatabase('bench');
  const config = loadConfig({ DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:6379/7', LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1' });
  const app = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const store = new PostgresEventStore({ connectionString: database.url });
  const codec = new EventCodec(new FieldSealer(new DataKeyStore(store['pool'], loadMasterKey({}))));
  const figures: Figure[] = [];

  try {
    // Seed users directly as events: each needs a sealed email, like a real registration.
    const users: string[] = [];
    const seed = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const userId = randomUUID();
        const event = await codec.encode(
          { type: 'UserRegistered', data: { userId, email: `bench-${userId}@example.com`, passwordHash: '$argon2id$seeded', registeredAt: new Date().toISOString() } },
          randomUUID(),
          { occurredAt: new Date().toISOString(), service: 'bench' },
        );
        await store.appendToStream(userStream(userId), [event], { expectedRevision: 'no_stream' });
        users.push(userId);
      }
    };
    await seed(ORGANIZATIONS + 12_000);
    const owners = users.splice(0, ORGANIZATIONS);
    const organizations: string[] = [];
    for (const owner of owners) {
      const response = await fetch(`${base}/v1/organizations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json', 'x-actor-id': owner },
        body: JSON.stringify({ name: 'Bench org' }),
      });
      organizations.push(((await response.json()) as { id: string }).id);
    }

    let next = 0;
    const members = await load(
      `${base}/v1/organizations`,
      16,
      (request) => {
        const i = next++;
        const org = i % ORGANIZATIONS;
        return {
          ...request,
          path: `/v1/organizations/${organizations[org]}/members`,
          headers: { authorization: `Bearer ${KEY}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json', 'x-actor-id': owners[org]! },
          body: JSON.stringify({ userId: users[i % users.length], role: 'member' }),
        };
      },
      'POST',
    );
    figures.push({ name: `add member, 16 clients: commands/s (p50 ${members.p50} ms, p99 ${members.p99} ms, non-2xx ${members.non2xx})`, unit: 'req/s', runs: [members.requests], median: members.requests });

    // Sessions: log in a few users (real argon2), then validate their tokens hard.
    const tokens: string[] = [];
    for (let i = 0; i < 20; i++) {
      const email = `bench-login-${i}-${randomUUID().slice(0, 8)}@example.com`;
      await fetch(`${base}/v1/users`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'correct horse battery' }) });
      const login = await fetch(`${base}/v1/sessions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'correct horse battery' }) });
      tokens.push(((await login.json()) as { token: string }).token);
    }
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the sessions projection write them
    let t = 0;
    const sessions = await load(`${base}/v1/sessions/current`, 32, (request) => ({ ...request, headers: { authorization: `Bearer ${KEY}`, 'x-session-token': tokens[t++ % tokens.length]! } }), 'GET');
    figures.push({ name: `validate session, 32 clients: requests/s (p50 ${sessions.p50} ms, p99 ${sessions.p99} ms, non-2xx ${sessions.non2xx})`, unit: 'req/s', runs: [sessions.requests], median: sessions.requests });

    printTable(`HTTP (${DURATION_S} s per figure, autocannon in the same process)`, figures);
    console.log(`results: ${writeResults('http', figures)}`);
  } finally {
    await app.close();
    await store.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
