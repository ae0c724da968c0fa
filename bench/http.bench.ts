/**
 * HTTP benchmark (`npm run bench:http`): the service as it runs in production — the API in one process
 * (RUN_PROJECTORS=false), the projectors in another — and autocannon in this third process, so the load generator
 * does not share an event loop with the service. Three figures, each the median of BENCH_RUNS runs (default 3) of
 * BENCH_DURATION seconds (default 5) after a warm-up:
 * - adding members (POST /v1/organizations/{id}/members), 16 clients;
 * - session validation (GET /v1/sessions/current), 32 clients;
 * - search (GET /v1/search/organizations?q=), 16 clients.
 * Adding members and session validation are each measured beside their floor (bench/floor-server.ts: a bare Fastify
 * process doing only the unavoidable work on the same stores), alternating run by run, and the ratio printed; then
 * the service and the floor at a steady half of the floor's rate, for their latency when busy but not saturated.
 * Users are seeded straight into the event store (hashing 20,000 passwords would measure argon2, not the service).
 * BENCH_REDIS_URL names the Redis to use (default: database 7 of the local one).
 * BENCH_PROFILE=1 runs the API under `node --cpu-prof` and prints where its CPU time went (see bench/lib/profile.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { userStream } from '@accounts/streams';
import { EventCodec } from '@accounts/event-codec';
import { PostgresEventStore } from '@accounts/event-store';
import { DataKeyStore, FieldSealer, loadMasterKey } from '@accounts/privacy';
import { createTestDatabase } from '../test/support/postgres';
import { type Figure, median, printTable, writeResults } from './lib/bench-kit';
import { CpuAccounting } from './lib/cpu-accounting';
import { summariseProfile } from './lib/profile';

const KEY = 'dev-local-key';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const PROFILE = process.env.BENCH_PROFILE === '1';
/** Only the figures whose name contains this (e.g. `add member`), to profile one load at a time. */
const ONLY = process.env.BENCH_ONLY;
const ORGANIZATIONS = 200;
const WORDS = ['acme', 'globex', 'initech', 'umbrella', 'stark', 'wayne', 'wonka', 'tyrell', 'cyberdyne', 'soylent', 'hooli', 'vandelay'];

interface Run {
  requests: number;
  /** Where the CPU went during the run (see CpuAccounting). */
  cpu?: string;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function startProcess(script: string, env: Record<string, string>, nodeOptions: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeOptions, '-r', '@swc-node/register', script], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

let accounting: CpuAccounting | undefined;

async function load(
  url: string,
  connections: number,
  duration: number,
  setup: (request: autocannon.Request) => autocannon.Request,
  method: 'GET' | 'POST',
  overallRate?: number,
): Promise<Run> {
  const before = accounting?.snapshot();
  const result = await autocannon({ url, connections, duration, requests: [{ method, setupRequest: setup }], ...(overallRate ? { overallRate } : {}) });
  const cpu = accounting && before ? CpuAccounting.perRequest(before, accounting.snapshot(), result.requests.total) : undefined;
  // Which failures, so that a figure with failures says what they were (a timeout, a 503, a 409).
  if (result.non2xx > 0 || result.errors > 0) console.log(`${method} ${url}: ${result.errors} errors, ${result.timeouts} timeouts, statuses ${JSON.stringify(Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count])))}`);
  return { requests: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors, ...(cpu ? { cpu } : {}) };
}

/** One warm-up, then RUNS measured runs; the figure is their median (latencies too), every run kept. */
async function measure(name: string, run: (duration: number) => Promise<Run>): Promise<Figure[]> {
  if (ONLY && !name.includes(ONLY)) return [];
  await run(2);
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await run(DURATION_S));
  const failures = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
  const middle = [...runs].sort((a, b) => a.requests - b.requests)[Math.floor(runs.length / 2)]!;
  console.log(`${name}: ${middle.cpu ?? ''}`);
  return [{
    name: `${name} (p50 ${median(runs.map((r) => r.p50))} ms, p99 ${median(runs.map((r) => r.p99))} ms, failures ${failures})`,
    unit: 'req/s',
    runs: runs.map((r) => r.requests),
    median: median(runs.map((r) => r.requests)),
  }];
}

/**
 * The service and its floor, alternately (warm-up of each, then RUNS pairs, so both see the same machine), then the
 * service alone at a steady half of the floor's median rate: throughput ratio and p99 when not saturated.
 */
async function measureAgainstFloor(
  name: string,
  floorName: string,
  run: (base: string, duration: number, overallRate?: number) => Promise<Run>,
  bases: { service: string; floor: string },
): Promise<Figure[]> {
  if (ONLY && !name.includes(ONLY)) return [];
  await run(bases.service, 2);
  await run(bases.floor, 2);
  const service: Run[] = [];
  const floor: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    service.push(await run(bases.service, DURATION_S));
    floor.push(await run(bases.floor, DURATION_S));
  }
  const floorRate = median(floor.map((r) => r.requests));
  const halfRate = Math.max(1, Math.round(floorRate / 2));
  const steady: Run[] = [];
  const steadyFloor: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    steady.push(await run(bases.service, DURATION_S, halfRate));
    // The floor at the same rate: what the machine's own latency is meanwhile (on a shared machine, most of it).
    steadyFloor.push(await run(bases.floor, DURATION_S, halfRate));
  }
  const failures = (runs: Run[]) => runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
  const latency = (runs: Run[]) => `p50 ${median(runs.map((r) => r.p50))} ms, p99 ${median(runs.map((r) => r.p99))} ms, failures ${failures(runs)}`;
  const serviceRate = median(service.map((r) => r.requests));
  console.log(`${name}: service ${service.map((r) => r.cpu ?? '').join(' | ')}`);
  console.log(`${name}: floor ${floor.map((r) => r.cpu ?? '').join(' | ')}`);
  return [
    {
      name: `${name} (${latency(service)}; floor ${latency(floor)})`,
      unit: 'req/s',
      runs: service.map((r) => r.requests),
      median: serviceRate,
      peer: { name: floorName, median: floorRate, ratio: serviceRate / floorRate },
    },
    {
      name: `${name} at half the floor's rate, ${halfRate} req/s (${latency(steady)}; floor ${latency(steadyFloor)})`,
      unit: 'req/s',
      runs: steady.map((r) => r.requests),
      median: median(steady.map((r) => r.requests)),
      peer: { name: `${floorName}, same rate`, median: median(steadyFloor.map((r) => r.requests)), ratio: median(steady.map((r) => r.requests)) / median(steadyFloor.map((r) => r.requests)) },
    },
  ];
}

/** From the API's latency histogram: the share of a route's requests answered within each bucket up to 5 ms. */
function serverSideShares(metrics: string, route: string): string {
  const lines = metrics.split('\n').filter((line) => line.startsWith('accounts_http_request_duration_seconds_') && line.includes(`route="${route}"`) && line.includes('status="200"'));
  const count = Number(lines.find((line) => line.startsWith('accounts_http_request_duration_seconds_count'))?.split(' ').at(-1) ?? 0);
  const within = lines
    .filter((line) => line.startsWith('accounts_http_request_duration_seconds_bucket'))
    .map((line) => ({ le: Number(/le="([^"]+)"/.exec(line)?.[1]), n: Number(line.split(' ').at(-1)) }))
    .filter((bucket) => bucket.le <= 0.005)
    .map((bucket) => `${((bucket.n / count) * 100).toFixed(2)}% within ${bucket.le * 1000} ms`);
  return `${count} requests, ${within.join(', ')}`;
}

async function main(): Promise<void> {
  const database = await createTestDatabase('bench');
  const store = new PostgresEventStore({ connectionString: database.url });
  const codec = new EventCodec(new FieldSealer(new DataKeyStore(store['pool'], loadMasterKey({}))));
  const port = await freePort();
  const env = { DATABASE_URL: database.url, REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/7', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', RUN_PROJECTORS: 'false' };
  const profileDirectory = join(__dirname, 'results', 'profiles');
  if (PROFILE) mkdirSync(profileDirectory, { recursive: true });
  const api = startProcess('apps/api/src/main.ts', env, PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`] : []);
  const projectors = startProcess('projections/src/main.ts', env);
  const floorPort = await freePort();
  const floor = startProcess('bench/floor-server.ts', { ...env, PORT: String(floorPort) });
  accounting = new CpuAccounting({ api: api.pid!, projectors: projectors.pid!, floor: floor.pid! });
  const base = `http://127.0.0.1:${port}`;
  const bases = { service: base, floor: `http://127.0.0.1:${floorPort}` };
  const figures: Figure[] = [];
  const headers = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'idempotency-key': randomUUID(), ...extra });

  try {
    for (let i = 0; ; i++) {
      const floorUp = await fetch(`${bases.floor}/v1/sessions/current`).catch(() => undefined);
      if ((await fetch(`${base}/health/ready`).catch(() => undefined))?.ok && floorUp) break;
      if (i > 600) throw new Error('the service did not become ready');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // Seed users directly as events: each needs a sealed email, like a real registration.
    const users: string[] = [];
    for (let i = 0; i < ORGANIZATIONS + 12_000; i++) {
      const userId = randomUUID();
      const event = await codec.encode(
        { type: 'UserRegistered', data: { userId, email: `bench-${userId}@example.com`, passwordHash: '$argon2id$seeded', registeredAt: new Date().toISOString() } },
        randomUUID(),
        { occurredAt: new Date().toISOString(), service: 'bench' },
      );
      await store.appendToStream(userStream(userId), [event], { expectedRevision: 'no_stream' });
      users.push(userId);
    }
    const owners = users.splice(0, ORGANIZATIONS);
    const organizations: string[] = [];
    let lastPosition = '';
    for (const [i, owner] of owners.entries()) {
      const name = `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ${i}`;
      const response = await fetch(`${base}/v1/organizations`, { method: 'POST', headers: headers({ 'x-actor-id': owner }), body: JSON.stringify({ name }) });
      lastPosition = response.headers.get('x-event-position') ?? lastPosition;
      organizations.push(((await response.json()) as { id: string }).id);
    }

    let next = 0;
    figures.push(
      ...await measureAgainstFloor('add member, 16 clients', 'floor: the same writes in one transaction', (target, duration, rate) =>
        load(
          `${target}/v1/organizations`,
          16,
          duration,
          (request) => {
            const i = next++;
            const org = i % ORGANIZATIONS;
            // Every request a new (organization, user) pair, however many runs: past the last user, shift by one.
            const user = (i + Math.floor(i / users.length)) % users.length;
            return {
              ...request,
              path: `/v1/organizations/${organizations[org]}/members`,
              headers: headers({ 'x-actor-id': owners[org]! }),
              body: JSON.stringify({ userId: users[user], role: 'member' }),
            };
          },
          'POST',
          rate,
        ), bases,
      ),
    );

    // Sessions: log in a few users (real argon2), then validate their tokens hard.
    const tokens: string[] = [];
    const emails = Array.from({ length: 20 }, (_, i) => `bench-login-${i}-${randomUUID().slice(0, 8)}@example.com`);
    let registered = { id: '', position: '' };
    for (const email of emails) {
      const response = await fetch(`${base}/v1/users`, { method: 'POST', headers: headers(), body: JSON.stringify({ email, password: 'correct horse battery' }) });
      registered = { id: ((await response.json()) as { id: string }).id, position: response.headers.get('x-event-position') ?? '' };
    }
    // A login finds its user in the read model, which may still be busy with the members added above.
    for (let i = 0; ; i++) {
      const seen = await fetch(`${base}/v1/users/${registered.id}`, { headers: { authorization: `Bearer ${KEY}`, 'x-consistent-with': registered.position } });
      if (seen.ok) break;
      if (i > 60) throw new Error('the read model did not catch up with the registrations');
    }
    for (const email of emails) {
      const login = await fetch(`${base}/v1/sessions`, { method: 'POST', headers: headers(), body: JSON.stringify({ email, password: 'correct horse battery' }) });
      if (login.status !== 201) throw new Error(`login failed: ${login.status}`);
      lastPosition = login.headers.get('x-event-position') ?? lastPosition;
      tokens.push(((await login.json()) as { token: string }).token);
    }
    // Wait until the sessions projection has every login (read-your-writes through a query that waits for it).
    for (let i = 0; !(await fetch(`${base}/v1/users/${owners[0]}/sessions`, { headers: { authorization: `Bearer ${KEY}`, 'x-consistent-with': lastPosition } })).ok; i++) {
      if (i > 60) throw new Error('the sessions projection did not catch up with the logins');
    }
    let t = 0;
    // At half the floor's rate the latency is the service's when busy but not saturated (flat out, 32 clients send
    // as fast as answers come, so each request queues behind the others on the event loop).
    figures.push(
      ...await measureAgainstFloor('validate session, 32 clients', 'floor: the same script after the same key check', (target, duration, rate) =>
        load(`${target}/v1/sessions/current`, 32, duration, (request) => ({ ...request, headers: { authorization: `Bearer ${KEY}`, 'x-session-token': tokens[t++ % tokens.length]! } }), 'GET', rate), bases,
      ),
    );

    // The API's own view of its event loop and garbage collector over the run so far (prom-client's default metrics).
    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
    console.log(metrics.split('\n').filter((line) => /^accounts_nodejs_gc_duration_seconds_(sum|count)/.test(line)).join('\n'));
    console.log(`session validation measured inside the API (every request so far): ${serverSideShares(metrics, '/v1/sessions/current')}`);

    let s = 0;
    figures.push(
      ...await measure('search organizations, 16 clients', (duration) =>
        load(
          `${base}/v1/search/organizations`,
          16,
          duration,
          (request) => {
            const word = WORDS[s++ % WORDS.length]!;
            return { ...request, path: `/v1/search/organizations?q=${s % 2 ? word.slice(0, 4) : word}&limit=10`, headers: { authorization: `Bearer ${KEY}` } };
          },
          'GET',
        ),
      ),
    );

    printTable(`HTTP (median of ${RUNS} runs of ${DURATION_S} s; API, projectors and autocannon in three processes)`, figures);
    console.log(`results: ${writeResults('http', figures)}`);
  } finally {
    await stopProcess(api);
    await stopProcess(projectors);
    await stopProcess(floor);
    await store.close();
    await database.drop();
  }
  if (PROFILE) {
    const newest = readdirSync(profileDirectory).filter((file) => file.endsWith('.cpuprofile')).sort().at(-1);
    if (newest) console.log(`\nAPI CPU profile (${join(profileDirectory, newest)}), self time by function:\n${summariseProfile(join(profileDirectory, newest), 25)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
