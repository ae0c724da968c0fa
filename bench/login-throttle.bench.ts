/**
 * What login throttling costs a login (`npm run bench:login-throttle`): the same successful login (a real argon2
 * verify, an appended LoggedIn event) with and without the throttle's Redis work around it, interleaved one by one
 * in the same process so both see the same machine, plus the throttle's work alone. The HTTP layer is left out: it
 * is the same either way. PostgreSQL from the machine (a fresh database), Redis of the bench's own.
 * BENCH_LOGINS logins of each kind (default 300) after a warm-up.
 */
import { randomUUID } from 'node:crypto';
import { CommandEnvelope } from '../apps/api/src/commands/command-envelope';
import { SessionCommands } from '../apps/api/src/sessions/session-commands';
import { AttemptThrottle } from '../apps/api/src/throttling/attempt-throttle';
import { figureOfThirds, timedMicros, withBenchApp } from './lib/bench-app';
import { median, printTable, writeResults } from './lib/bench-kit';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 300);
const WARM_UP = 20;
const EMAIL = 'bench.login@example.com';
const PASSWORD = 'a bench password, long enough';

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;

async function main(): Promise<void> {
  await withBenchApp(async (app) => {
    const fastify = app.getHttpAdapter().getInstance();
    const registered = await fastify.inject({ method: 'POST', url: '/v1/users', headers: { authorization: 'Bearer dev-local-key', 'idempotency-key': randomUUID(), 'content-type': 'application/json' }, payload: { email: EMAIL, password: PASSWORD } });
    if (registered.statusCode !== 201) throw new Error(`registration failed: ${registered.statusCode}`);
    const sessions = app.get(SessionCommands);
    const throttle = app.get(AttemptThrottle);
    const context = { service: { name: 'bench', scopes: new Set<never>(), requestsPerSecond: 1000, sendsClientIp: false }, actorId: undefined, correlationId: 'bench', requestId: 'bench', clientIp: '198.51.100.1' };
    const logIn = () => sessions.logIn(EMAIL, PASSWORD, context.clientIp, new CommandEnvelope(context, undefined));

    const without: number[] = [];
    const withThrottle: number[] = [];
    const throttleAlone: number[] = [];
    for (let i = 0; i < WARM_UP + LOGINS; i++) {
      const plain = await timedMicros(logIn);
      let alone = 0;
      const throttled = await timedMicros(async () => {
        let attempt: Awaited<ReturnType<AttemptThrottle['begin']>> | undefined;
        alone = await timedMicros(async () => (attempt = await throttle.begin('login', EMAIL, context.clientIp)));
        await logIn();
        alone += await timedMicros(() => attempt!.succeeded());
      });
      if (i < WARM_UP) continue;
      without.push(plain);
      withThrottle.push(throttled);
      throttleAlone.push(alone);
    }
    // Three runs of a third each: the table quotes each run's median (µs) and the median of those; p99 below it.
    const baseline = figureOfThirds('login without the throttle', 'µs', without, median);
    const figures = [baseline, figureOfThirds('login with the throttle', 'µs', withThrottle, median, baseline), figureOfThirds('the throttle alone (begin + succeeded)', 'µs', throttleAlone, median)];
    printTable('Login throttling', figures);
    const p99 = (values: number[]) => `${Math.round(percentile(values, 99)).toLocaleString('en-US')} µs`;
    console.log(`p99: without ${p99(without)}, with ${p99(withThrottle)} (ratio ${(percentile(withThrottle, 99) / percentile(without, 99)).toFixed(2)}), the throttle alone ${p99(throttleAlone)}`);
    console.log(`written to ${writeResults('login-throttle', figures)}`);
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
