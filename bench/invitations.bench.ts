/**
 * Invitations created per second (`npm run bench:invitations`): POST /v1/organizations/{id}/invitations, one after
 * another on one organization, in process through Fastify's inject (routing, validation, idempotency, the decider,
 * sealing with a new data key per invitation, the append). The floor is a rename of the same organization in the same
 * run, interleaved one by one: the same write path without the token, the address's hash and its reservation lookup.
 * PostgreSQL from the machine (a fresh database), Redis of the bench's own, projections off.
 * BENCH_INVITATIONS invitations (default 600) after a warm-up.
 */
import { randomUUID } from 'node:crypto';
import { figureOfThirds, timedMicros, withBenchApp } from './lib/bench-app';
import { median, printTable, writeResults } from './lib/bench-kit';

const INVITATIONS = Number(process.env.BENCH_INVITATIONS ?? 600);
const WARM_UP = 30;

async function main(): Promise<void> {
  await withBenchApp(async (app) => {
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
    const invitations: number[] = [];
    const renames: number[] = [];
    for (let i = 0; i < WARM_UP + INVITATIONS; i++) {
      const invite = await timedMicros(() => send('POST', `/v1/organizations/${organization}/invitations`, { email: `invitee.${i}@example.com`, role: 'member' }, owner));
      const rename = await timedMicros(() => send('PATCH', `/v1/organizations/${organization}`, { name: `Bench ${i}` }, owner));
      if (i < WARM_UP) continue;
      invitations.push(invite);
      renames.push(rename);
    }
    // Per-command medians (µs), as commands a second.
    const perSecond = (run: number[]) => 1e6 / median(run);
    const floor = figureOfThirds('organization renamed (floor)', '/s', renames, perSecond);
    const figures = [floor, figureOfThirds('invitation created', '/s', invitations, perSecond, floor)];
    printTable(`Invitations (one organization, ${INVITATIONS} invitations, sequential)`, figures);
    console.log(`written to ${writeResults('invitations', figures)}`);
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
