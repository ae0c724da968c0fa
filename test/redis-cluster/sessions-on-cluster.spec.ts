import { SessionKeys } from '@accounts/projections/sessions/session-keys';
import { createTestApp, type TestApp } from '../support/app';
import { dropTemplate } from '../support/postgres';
import { seedSessions, type SessionsScenario, validate } from '../support/sessions-scenario';
import { type LocalCluster, startLocalCluster } from './local-cluster';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The service with REDIS_URL naming a real Redis Cluster (three masters, three replicas on loopback, made here):
 * sessions, a blue/green rebuild of the sessions projection, and a master failover in the middle of validations.
 */
describe('sessions on a Redis Cluster', () => {
  jest.setTimeout(180_000);
  let cluster: LocalCluster;
  let t: TestApp;
  let scenario: SessionsScenario;
  beforeAll(async () => {
    cluster = await startLocalCluster();
    t = await createTestApp({ redisDb: 0, redisUrl: cluster.url });
    scenario = await seedSessions(t);
  });
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
    await dropTemplate();
  });

  async function waitUntilLive(version: number): Promise<void> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { body } = await t.request('GET', '/v1/ops/projections');
      const rows = (body.items as { name: string; version: number; state: string }[]).filter((item) => item.name === 'sessions');
      if (rows.length === 1 && rows[0]!.version === version && rows[0]!.state === 'live') return;
      if (Date.now() > deadline) throw new Error(`sessions v${version} did not go live: ${JSON.stringify(rows)}`);
      await sleep(100);
    }
  }

  test('sessions validate, list and end as on a single server', async () => {
    for (const [sessionId, token] of scenario.live) expect(await validate(t, token)).toMatchObject({ status: 200, sessionId });
    for (const token of scenario.ended) expect(await validate(t, token)).toMatchObject({ status: 401, code: 'session_invalid' });
    const listed = await t.request('GET', `/v1/users/${scenario.aliceId}/sessions`);
    expect(listed.body.items.map((s: { sessionId: string }) => s.sessionId).sort()).toEqual([...scenario.live.keys()].sort());
  });

  test('a blue/green rebuild of the sessions projection swaps in on the cluster while validations go on', async () => {
    let stop = false;
    const answers: number[] = [];
    const validating = (async () => {
      while (!stop) for (const token of scenario.live.values()) answers.push((await validate(t, token)).status);
    })();
    const asked = await t.request('POST', '/v1/ops/projections/sessions/rebuild');
    expect(asked.status).toBe(202);
    await waitUntilLive(2);
    stop = true;
    await validating;

    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter((status) => status !== 200)).toEqual([]);
    expect(await t.redis.get(SessionKeys.LIVE_VERSION)).toBe('2');
    for (const [sessionId, token] of scenario.live) expect(await validate(t, token)).toMatchObject({ status: 200, sessionId });
    for (const token of scenario.ended) expect((await validate(t, token)).status).toBe(401);
  });

  test('the master of the sessions slot is killed during validations: live sessions get 200 or 503, never 401, and 200 again after the failover', async () => {
    const live = await t.redis.get(SessionKeys.LIVE_VERSION);
    const master = await cluster.masterOf(SessionKeys.forVersion(Number(live ?? '1')).checkpoint());
    await cluster.replicated(master);

    let stop = false;
    const answers: { status: number; code?: string; at: number }[] = [];
    const validating = Promise.all(
      [...scenario.live.values()].map(async (token) => {
        while (!stop) {
          const answer = await validate(t, token);
          answers.push({ status: answer.status, ...(answer.code ? { code: answer.code } : {}), at: Date.now() });
          if (answer.status === 503) await sleep(20);
        }
      }),
    );
    await sleep(300);
    const killedAt = Date.now();
    await cluster.kill(master);
    await cluster.healthy(cluster.ports.find((port) => port !== master)!, 60_000);
    // Keep validating until every session has answered 200 again for a while.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const recent = answers.filter((answer) => answer.at > Date.now() - 500);
      if (recent.length > 10 && recent.every((answer) => answer.status === 200)) break;
      await sleep(100);
    }
    stop = true;
    await validating;

    const unavailable = answers.filter((answer) => answer.status === 503);
    const wrong = answers.filter((answer) => answer.status !== 200 && !(answer.status === 503 && answer.code === 'service_unavailable'));
    expect(wrong).toEqual([]);
    expect(answers.filter((answer) => answer.at > killedAt).length).toBeGreaterThan(0);
    process.stdout.write(
      `cluster failover: ${answers.length} validations, ${unavailable.length} answered 503 over ${
        unavailable.length ? unavailable.at(-1)!.at - unavailable[0]!.at : 0
      } ms; 200 again ${(answers.findLast((answer) => answer.status !== 200)?.at ?? killedAt) - killedAt} ms after the kill\n`,
    );
    // Every session answers as before the failover. A late 503 may still come (in the full suite, once, right after
    // the loop above saw only 200s): a check of its own retries it, as a caller would, but never accepts a 401.
    for (const [sessionId, token] of scenario.live) expect(await validateThroughOutage(token)).toMatchObject({ status: 200, sessionId });
    for (const token of scenario.ended) expect((await validateThroughOutage(token)).status).toBe(401);
  });

  /** Validates, retrying a 503 (the only answer an outage may give) for up to 10 s. */
  async function validateThroughOutage(token: string): Promise<Awaited<ReturnType<typeof validate>>> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const answer = await validate(t, token);
      if (answer.status !== 503 || Date.now() > deadline) return answer;
      await sleep(100);
    }
  }
});
