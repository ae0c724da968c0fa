import { createTestApp, TEST_CLIENT_IP, type TestApp } from '../support/app';
import { dropTemplate } from '../support/postgres';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { expectNoPersonalDataInLogs, readinessWithin } from './fault-checks';

/**
 * Readiness knows whether anyone runs the projections (their lease's heartbeat), not only their lag: an API whose
 * projector process is gone would serve staler and staler reads while its lag still looked small.
 */
describe('fault: no projector running', () => {
  jest.setTimeout(120_000);
  let redis: PrivateRedis;
  let projectors: TestApp | undefined;
  let api: TestApp;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    projectors = await createTestApp({ redisDb: 0, redisUrl: redis.url, captureLogs: true });
    api = await createTestApp({ redisDb: 0, redisUrl: redis.url, shareDatabaseWith: projectors, env: { RUN_PROJECTORS: 'false' }, captureLogs: true });
  });
  afterAll(async () => {
    await api?.close();
    await projectors?.close();
    await redis?.destroy();
    await dropTemplate();
  });

  test('ready while another process runs every projection; 503 naming them once it is gone; ready again when one is back', async () => {
    expect((await readinessWithin(api, 200, 30_000)).status).toBe(200);
    // Someone the projectors have to handle, so their logs have had the chance to carry an address.
    expect((await api.request('POST', '/v1/users', { body: { email: 'no.projector@example.com', password: 'correct horse battery' } })).status).toBe(201);

    await projectors!.app.close(); // the projector process stops (its leases go with it)
    const stopped = Date.now();
    const unready = await readinessWithin(api, 503, 30_000);
    expect(unready.status).toBe(503);
    expect(unready.body.checks.projections).toEqual({ status: 'down', reason: 'ProjectionsNotRunning', notRunning: ['read_model', 'sessions', 'search', 'erasure', 'invitations', 'mail'] });
    const noticedAfter = Date.now() - stopped;

    // Another projector process takes over: ready again.
    const replacement = await createTestApp({ redisDb: 0, redisUrl: redis.url, shareDatabaseWith: api });
    try {
      expect((await readinessWithin(api, 200, 30_000)).status).toBe(200);
    } finally {
      await replacement.close();
    }
    expectNoPersonalDataInLogs([...api.logs, ...projectors!.logs], ['no.projector@example.com', TEST_CLIENT_IP]);
    process.stdout.write(`fault no-projector: readiness 503 ${noticedAfter} ms after the last projector stopped\n`);
  });
});
