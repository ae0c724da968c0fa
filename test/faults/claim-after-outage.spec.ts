import { Client } from 'pg';
import { createTestApp, type TestApp, type TestResponse } from '../support/app';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { expectOnlyRuledOutcomes } from './fault-checks';

/**
 * A command whose Idempotency-Key is claimed when PostgreSQL dies answers 503, and its claim cannot be given back
 * while PostgreSQL is down. The caller's retry with the same key once PostgreSQL is back must run at once (not meet
 * the dead run's claim as 409 `idempotency_key_in_flight` until it goes stale after 30 s), and register once.
 */
describe('fault: a claim left by a run that PostgreSQL dropped', () => {
  jest.setTimeout(120_000);
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let t: TestApp;
  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    redis = await startPrivateRedis();
    t = await createTestApp({ redisDb: 0, redisUrl: redis.url, database: await postgres.createTestDatabase('claims'), env: { RUN_PROJECTORS: 'false' } });
  });
  afterAll(async () => {
    await t?.close();
    await t?.database.pool.end().catch(() => undefined);
    await redis?.destroy();
    await postgres?.destroy();
  });

  test('after PostgreSQL is back, a retry with the same key succeeds at once, exactly once', async () => {
    const key = 'claimed-when-postgres-died';
    const register = () => t.request('POST', '/v1/users', { body: { email: 'claim.outage@example.com', password: 'correct horse battery' }, headers: { 'idempotency-key': key } });

    // Hold the event store's table, so the command stops at its first read of a stream, after its key is claimed.
    const blocker = new Client({ connectionString: t.database.url });
    blocker.on('error', () => undefined); // it dies with the cluster
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE es_events IN ACCESS EXCLUSIVE MODE');
    const first = register();
    for (let attempt = 0; ; attempt++) {
      const { rows } = await blocker.query(`SELECT state FROM idempotency_records WHERE idempotency_key = $1`, [key]);
      if (rows[0]?.state === 'pending') break;
      if (attempt > 200) throw new Error('the command never claimed its key');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    await postgres.kill();
    const failed = await first;
    expect([failed.status, failed.body.code]).toEqual([503, 'service_unavailable']);
    expectOnlyRuledOutcomes([failed]);
    await postgres.start();
    const back = Date.now();

    // A retry may still meet a connection that died with the old server (a 503, retried); never the dead run's claim.
    const answers: TestResponse[] = [];
    for (let response = await register(); ; response = await register()) {
      answers.push(response);
      if (response.status !== 503 || answers.length > 20) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const settledAfterMs = Date.now() - back;
    expectOnlyRuledOutcomes(answers);
    expect(answers.map((response) => response.body?.code).filter((code) => code === 'idempotency_key_in_flight')).toEqual([]);
    const registered = answers.at(-1)!;
    expect(registered.status).toBe(201);
    expect(settledAfterMs).toBeLessThan(10_000); // a claim going stale would take 30 s

    // Exactly once: a repeat replays the answer, and the store holds one registration.
    const repeat = await register();
    expect([repeat.status, repeat.body.id, repeat.headers['idempotent-replayed']]).toEqual([201, registered.body.id, 'true']);
    const { rows } = await t.database.pool.query(`SELECT count(*)::int AS n FROM es_events WHERE event_type = 'UserRegistered'`);
    expect(rows[0].n).toBe(1);
    process.stdout.write(`fault claim-after-outage: retry registered ${settledAfterMs} ms after PostgreSQL was back, after ${answers.length - 1} 503(s)\n`);
  });
});
