import { createTestApp, TEST_CLIENT_IP, type TestApp, type TestResponse } from '../support/app';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { expectOnlyRuledOutcomes, expectNoPersonalDataInLogs, settle } from './fault-checks';

const REGISTRATIONS = 400;
const CONCURRENCY = 16;
/** Killed once this many registrations have answered, so the kill lands in the middle of the load. */
const KILL_AFTER = 60;

/**
 * PostgreSQL (event store, read model, idempotency records, data keys) dies by kill -9 in the middle of 400
 * registrations and comes back 2 s later. Callers see 201, 503 with Retry-After, or a rule's 4xx; never a 500.
 * Retrying every failed request with its own Idempotency-Key then gets each person registered exactly once.
 */
describe('fault: PostgreSQL killed during registrations', () => {
  jest.setTimeout(240_000);
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let t: TestApp;
  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    redis = await startPrivateRedis();
    t = await createTestApp({ redisDb: 0, redisUrl: redis.url, database: await postgres.createTestDatabase('faults'), captureLogs: true });
  });
  afterAll(async () => {
    await t?.close();
    await t?.database.pool.end().catch(() => undefined); // createTestApp leaves a given database to its maker
    await redis?.destroy();
    await postgres?.destroy();
  });

  test('clients see 2xx or 503 with Retry-After, never 500; retries with the same keys register everyone once', async () => {
    const emails = Array.from({ length: REGISTRATIONS }, (_, i) => `killed.pg.${i}@example.com`);
    const register = (i: number) =>
      t.request('POST', '/v1/users', { body: { email: emails[i], password: 'correct horse battery' }, headers: { 'idempotency-key': `pg-killed-${i}` } });

    const first: TestResponse[] = [];
    let answered = 0;
    let outage: Promise<void> | undefined;
    let killedAt = 0;
    let back = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REGISTRATIONS) {
          const i = next++;
          first[i] = await register(i);
          if (++answered === KILL_AFTER) {
            killedAt = Date.now();
            outage = postgres.kill().then(async () => {
              await new Promise((resolve) => setTimeout(resolve, 2_000));
              await postgres.start();
              back = Date.now();
            });
          }
        }
      }),
    );
    await outage;
    expect(killedAt).toBeGreaterThan(0);
    expectOnlyRuledOutcomes(first);
    const unavailable = first.filter((response) => response.status === 503);
    expect(unavailable.length).toBeGreaterThan(0); // the kill did land inside the load
    for (const response of unavailable) expect(response.headers['retry-after']).toMatch(/^\d+$/);

    // Retry what failed, with the same key and body, as a careful client does, until it is answered for good.
    const final = await Promise.all(
      emails.map(async (_, i) => {
        let response = first[i]!;
        for (let attempt = 0; response.status >= 500 || response.body?.code === 'idempotency_key_in_flight'; attempt++) {
          if (attempt > 120) throw new Error(`registration ${i} still ${response.status} after the outage`);
          await new Promise((resolve) => setTimeout(resolve, 500));
          response = await register(i);
          expectOnlyRuledOutcomes([response]);
        }
        return response;
      }),
    );
    const recoveredAt = Date.now();
    expect(final.map((response) => response.status)).toEqual(emails.map(() => 201));
    const ids = final.map((response) => response.body.id as string);
    expect(new Set(ids).size).toBe(REGISTRATIONS);

    // Nothing lost or doubled: one UserRegistered per person in the store, and the read model holds exactly them.
    const { events, readModel } = await settle(t, REGISTRATIONS);
    const registered = events.filter((event) => event.type === 'UserRegistered');
    expect(registered.length).toBe(REGISTRATIONS);
    expect(new Set(registered.map((event) => event.streamName))).toEqual(new Set(ids.map((id) => `user-${id}`)));
    expect(readModel.sort()).toEqual([...ids].sort());

    expectNoPersonalDataInLogs(t.logs, [...emails, TEST_CLIENT_IP]);
    process.stdout.write(
      `fault postgres-killed: ${unavailable.length}/${REGISTRATIONS} first answers were 503, 0 were 500; back ${back - killedAt} ms after the kill; every retry done ${recoveredAt - killedAt} ms after it\n`,
    );
  });
});
