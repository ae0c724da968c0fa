/**
 * What login throttling costs a login (`npm run bench:login-throttle`): the same successful login (a real argon2
 * verify, an appended LoggedIn event) with and without the throttle's Redis work around it, interleaved one by one
 * in the same process so both see the same machine, plus the throttle's work alone. The HTTP layer is left out: it
 * is the same either way. PostgreSQL from the machine (a fresh database), Redis of the bench's own.
 * BENCH_LOGINS logins of each kind (default 300) after a warm-up.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../libs/config/src';
import { createApp } from '../apps/api/src/create-app';
import { CommandEnvelope } from '../apps/api/src/commands/command-envelope';
import { SessionCommands } from '../apps/api/src/sessions/session-commands';
import { AttemptThrottle } from '../apps/api/src/throttling/attempt-throttle';
import { createTestDatabase, dropTemplate } from '../test/support/postgres';
import { startPrivateRedis } from '../test/support/private-redis';
import { type Figure, median, printTable, writeResults } from './lib/bench-kit';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 300);
const WARM_UP = 20;
const EMAIL = 'bench.login@example.com';
const PASSWORD = 'a bench password, long enough';

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;

async function main(): Promise<void> {
  const database = await createTestDatabase('bench');
  const redis = await startPrivateRedis();
  const app = await createApp(loadConfig({ DATABASE_URL: database.url, REDIS_URL: redis.url, LOG_LEVEL: 'silent', RUN_PROJECTORS: 'false' }));
  try {
    const fastify = app.getHttpAdapter().getInstance();
    const registered = await fastify.inject({ method: 'POST', url: '/v1/users', headers: { authorization: 'Bearer dev-local-key', 'idempotency-key': randomUUID(), 'content-type': 'application/json' }, payload: { email: EMAIL, password: PASSWORD } });
    if (registered.statusCode !== 201) throw new Error(`registration failed: ${registered.statusCode}`);
    const sessions = app.get(SessionCommands);
    const throttle = app.get(AttemptThrottle);
    const context = { service: { name: 'bench', scopes: new Set<never>(), requestsPerSecond: 1000, sendsClientIp: false }, actorId: undefined, correlationId: 'bench', requestId: 'bench', clientIp: '198.51.100.1' };
    const logIn = () => sessions.logIn(EMAIL, PASSWORD, context.clientIp, new CommandEnvelope(context, undefined));

    const timed = async (work: () => Promise<unknown>) => {
      const start = process.hrtime.bigint();
      await work();
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const without: number[] = [];
    const withThrottle: number[] = [];
    const throttleAlone: number[] = [];
    for (let i = 0; i < WARM_UP + LOGINS; i++) {
      const plain = await timed(logIn);
      let aloneMs = 0;
      const throttled = await timed(async () => {
        const begun = process.hrtime.bigint();
        const attempt = await throttle.begin('login', EMAIL, context.clientIp);
        aloneMs = Number(process.hrtime.bigint() - begun) / 1e6;
        await logIn();
        const ending = process.hrtime.bigint();
        await attempt.succeeded();
        aloneMs += Number(process.hrtime.bigint() - ending) / 1e6;
      });
      if (i < WARM_UP) continue;
      without.push(plain);
      withThrottle.push(throttled);
      throttleAlone.push(aloneMs);
    }
    // Three runs of a third each: the table quotes each run's median (µs) and the median of those; p99 below it.
    const thirds = (values: number[]) => [0, 1, 2].map((k) => values.slice((k * values.length) / 3, ((k + 1) * values.length) / 3));
    const figure = (name: string, values: number[], peer?: Figure): Figure => {
      const runs = thirds(values).map((run) => median(run) * 1000);
      const value = median(runs);
      return { name, unit: 'µs', runs, median: value, ...(peer ? { peer: { name: peer.name, median: peer.median, ratio: value / peer.median } } : {}) };
    };
    const baseline = figure('login without the throttle', without);
    const figures = [baseline, figure('login with the throttle', withThrottle, baseline), figure('the throttle alone (begin + succeeded)', throttleAlone)];
    printTable('Login throttling', figures);
    const p99 = (values: number[]) => `${Math.round(percentile(values, 99) * 1000).toLocaleString('en-US')} µs`;
    console.log(`p99: without ${p99(without)}, with ${p99(withThrottle)} (ratio ${(percentile(withThrottle, 99) / percentile(without, 99)).toFixed(2)}), the throttle alone ${p99(throttleAlone)}`);
    console.log(`written to ${writeResults('login-throttle', figures)}`);
  } finally {
    await app.close();
    await redis.destroy();
    await database.drop();
    await dropTemplate();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
