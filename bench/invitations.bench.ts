/**
 * Invitations created per second (`npm run bench:invitations`): POST /v1/organizations/{id}/invitations, one after
 * another on one organization, in process through Fastify's inject (routing, validation, idempotency, the decider,
 * sealing with a new data key per invitation, the append). The floor is a rename of the same organization in the same
 * run, interleaved one by one: the same write path without the token, the address's hash and its reservation lookup.
 * PostgreSQL from the machine (a fresh database), Redis of the bench's own, projections off.
 * BENCH_INVITATIONS invitations (default 600) after a warm-up.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../libs/config/src';
import { createApp } from '../apps/api/src/create-app';
import { createTestDatabase, dropTemplate } from '../test/support/postgres';
import { startPrivateRedis } from '../test/support/private-redis';
import { type Figure, median, printTable, writeResults } from './lib/bench-kit';

const INVITATIONS = Number(process.env.BENCH_INVITATIONS ?? 600);
const WARM_UP = 30;

async function main(): Promise<void> {
  const database = await createTestDatabase('bench');
  const redis = await startPrivateRedis();
  const app = await createApp(loadConfig({ DATABASE_URL: database.url, REDIS_URL: redis.url, LOG_LEVEL: 'silent', RUN_PROJECTORS: 'false' }));
  try {
    const fastify = app.getHttpAdapter().getInstance();
    const send = async (method: 'POST' | 'PATCH', url: string, payload: object, actor?: string) => {
      const response = await fastify.inject({
        method,
        url,
        headers: { authorization: 'Bearer dev-local-key', 'idempotency-key': randomUUID(), 'content-type': 'application/json', ...(actor ? { 'x-actor-id': actor } : {}) },
        payload,
      });
      if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
      return JSON.parse(response.body) as { id: string };
    };
    const owner = (await send('POST', '/v1/users', { email: 'bench.owner@example.com', password: 'a bench password, long enough' })).id;
    const organization = (await send('POST', '/v1/organizations', { name: 'Bench' }, owner)).id;
    const timed = async (work: () => Promise<unknown>) => {
      const start = process.hrtime.bigint();
      await work();
      return Number(process.hrtime.bigint() - start) / 1e3;
    };
    const invitations: number[] = [];
    const renames: number[] = [];
    for (let i = 0; i < WARM_UP + INVITATIONS; i++) {
      const invite = await timed(() => send('POST', `/v1/organizations/${organization}/invitations`, { email: `invitee.${i}@example.com`, role: 'member' }, owner));
      const rename = await timed(() => send('PATCH', `/v1/organizations/${organization}`, { name: `Bench ${i}` }, owner));
      if (i < WARM_UP) continue;
      invitations.push(invite);
      renames.push(rename);
    }
    // Three runs of a third each: per-command medians (µs), then as commands a second.
    const thirds = (values: number[]) => [0, 1, 2].map((k) => values.slice((k * values.length) / 3, ((k + 1) * values.length) / 3));
    const perSecond = (name: string, values: number[], peer?: Figure): Figure => {
      const runs = thirds(values).map((run) => 1e6 / median(run));
      const value = median(runs);
      return { name, unit: '/s', runs, median: value, ...(peer ? { peer: { name: peer.name, median: peer.median, ratio: value / peer.median } } : {}) };
    };
    const floor = perSecond('organization renamed (floor)', renames);
    const figures = [floor, perSecond('invitation created', invitations, floor)];
    printTable(`Invitations (one organization, ${INVITATIONS} invitations, sequential)`, figures);
    console.log(`written to ${writeResults('invitations', figures)}`);
  } finally {
    await app.close();
    await redis.destroy();
    await database.drop();
    await dropTemplate();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
