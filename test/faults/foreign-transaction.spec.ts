import { Client, Pool } from 'pg';
import { PG_POOL } from '../../apps/api/src/infrastructure/tokens';
import { createTestApp, TEST_CLIENT_IP, type TestApp } from '../support/app';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { expectNoPersonalDataInLogs, readinessWithin } from './fault-checks';

const HOLD_LIMIT_SECONDS = 2;

/**
 * A write transaction held open in ANOTHER database of the same cluster hides every event committed after it began
 * (readers see only transactions older than every running one). On a private cluster only: on the shared one it
 * would freeze everyone's tests. Operators must see it: the hidden events, how long, and who holds them.
 */
describe('fault: a foreign long transaction holds the event horizon', () => {
  jest.setTimeout(120_000);
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let t: TestApp;
  beforeAll(async () => {
    process.env.VISIBILITY_HOLD_LIMIT_SECONDS = String(HOLD_LIMIT_SECONDS);
    postgres = await startPrivatePostgres();
    redis = await startPrivateRedis();
    await postgres.createDatabase('elsewhere');
    t = await createTestApp({ redisDb: 0, redisUrl: redis.url, database: await postgres.createTestDatabase('accounts'), captureLogs: true });
  });
  const opened: Client[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((client) => client.end().catch(() => undefined)));
  });
  afterAll(async () => {
    delete process.env.VISIBILITY_HOLD_LIMIT_SECONDS;
    await t?.close();
    await t?.database.pool.end().catch(() => undefined); // createTestApp leaves a given database to its maker
    await redis?.destroy();
    await postgres?.destroy();
  });

  async function openForeignTransaction(user = 'root'): Promise<{ client: Client; pid: number }> {
    const client = new Client({ connectionString: postgres.url('elsewhere').replace('root@', `${user}@`) });
    client.on('error', () => undefined);
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT pg_current_xact_id()'); // a transaction id: it now holds the horizon
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return { client, pid: rows[0]!.pid };
  }

  test('the hidden events, the hold and its holder show in ops, metrics and readiness; all clears when it ends', async () => {
    expect((await readinessWithin(t, 200, 20_000)).status).toBe(200); // once the projectors hold their leases
    const { client, pid } = await openForeignTransaction();
    opened.push(client);
    const registered = await t.request('POST', '/v1/users', { body: { email: 'held.back@example.com', password: 'correct horse battery' } });
    expect(registered.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, (HOLD_LIMIT_SECONDS + 0.5) * 1000));

    const ops = await t.request('GET', '/v1/ops/projections');
    expect(ops.body.eventVisibility).toEqual({
      invisibleEvents: expect.any(Number),
      heldSeconds: expect.any(Number),
      holder: { pid, database: 'elsewhere', state: 'idle in transaction', ageSeconds: expect.any(Number) },
    });
    expect(ops.body.eventVisibility.invisibleEvents).toBeGreaterThanOrEqual(2); // the user's events and the reservation's
    expect(ops.body.eventVisibility.heldSeconds).toBeGreaterThan(HOLD_LIMIT_SECONDS);
    expect(ops.text).not.toContain('pg_current_xact_id'); // never the holder's query
    const metrics = await t.request('GET', '/metrics');
    expect(metrics.text).toMatch(/accounts_events_invisible [1-9]/);
    expect(metrics.text).toContain(`accounts_events_visibility_holder{pid="${pid}",database="elsewhere",state="idle in transaction"} 1`);
    const ready = await t.request('GET', '/health/ready', { key: null });
    expect(ready.status).toBe(503);
    expect(ready.body.checks.projections).toMatchObject({ status: 'down', reason: 'EventsHeldBack', holder: { pid, database: 'elsewhere' } });

    await client.query('ROLLBACK');
    await client.end();
    const consistent = { 'x-consistent-with': String(registered.headers['x-event-position']) };
    expect((await t.request('GET', `/v1/users/${registered.body.id}`, { headers: consistent })).status).toBe(200);
    expect((await t.request('GET', '/v1/ops/projections')).body.eventVisibility).toEqual({ invisibleEvents: 0, heldSeconds: 0, holder: null });
    expect((await readinessWithin(t, 200, 5_000)).status).toBe(200);
    expectNoPersonalDataInLogs(t.logs, ['held.back@example.com', TEST_CLIENT_IP]);
  });

  test("a role limit ends another tenant's idle transaction by itself: the horizon moves again without anyone acting", async () => {
    const admin = new Client({ connectionString: postgres.url('elsewhere') });
    await admin.connect();
    await admin.query(`CREATE ROLE tenant LOGIN; ALTER ROLE tenant SET idle_in_transaction_session_timeout = '3s'`);
    await admin.end();
    const { pid } = await openForeignTransaction('tenant');
    const openedAt = Date.now();
    const registered = await t.request('POST', '/v1/users', { body: { email: 'freed.by.limit@example.com', password: 'correct horse battery' } });
    const consistent = { 'x-consistent-with': String(registered.headers['x-event-position']) };
    let visibleAfter = 0;
    for (let attempt = 0; attempt < 40 && !visibleAfter; attempt++) {
      if ((await t.request('GET', `/v1/users/${registered.body.id}`, { headers: consistent })).status === 200) visibleAfter = Date.now() - openedAt;
    }
    expect(visibleAfter).toBeGreaterThan(0);
    expect(visibleAfter).toBeLessThan(15_000);
    expect((await t.request('GET', '/v1/ops/projections')).body.eventVisibility.holder).toBeNull();
    expectNoPersonalDataInLogs(t.logs, ['freed.by.limit@example.com', TEST_CLIENT_IP]);
    process.stdout.write(`fault foreign-transaction: a tenant role limited to 3 s idle in transaction (pid ${pid}) held events back for ${visibleAfter} ms\n`);
  });

  test("the service's own sessions are bounded: an idle transaction of ours ends after a minute, a statement after five", async () => {
    const client = await t.app.get<Pool>(PG_POOL).connect();
    try {
      expect((await client.query('SHOW idle_in_transaction_session_timeout')).rows[0].idle_in_transaction_session_timeout).toBe('1min');
      expect((await client.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('5min');
    } finally {
      client.release();
    }
  });
});
