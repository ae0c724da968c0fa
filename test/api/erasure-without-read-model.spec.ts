import { ReadModelTables } from '@accounts/projections/read-model/read-model-tables';
import { createTestApp, type TestApp } from '../support/app';
import { dropTemplate } from '../support/postgres';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';

/**
 * Erasure asks the read model which organizations the person belongs to (and owns: a billing owner may not be
 * erased). On a database where no read-model projector has run yet there is no such table: the answer is a 503 with
 * Retry-After that changes nothing, never a 500, and the same request succeeds once the read model exists.
 */
describe('erasure before any read-model projector has run', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let redis: PrivateRedis; // every numbered database of the shared Redis belongs to another file
  beforeAll(async () => {
    redis = await startPrivateRedis();
    t = await createTestApp({ redisDb: 0, redisUrl: redis.url, env: { RUN_PROJECTORS: 'false' } });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.destroy();
    await dropTemplate();
  });

  test('is 503 service_unavailable with Retry-After and erases nothing; the same key erases once the read model exists', async () => {
    const registered = await t.request('POST', '/v1/users', { body: { email: 'no.read.model@example.com', password: 'correct horse battery' } });
    expect(registered.status).toBe(201);
    const person = registered.body.id as string;
    const erase = () => t.request('DELETE', `/v1/users/${person}`, { headers: { 'x-actor-id': person, 'idempotency-key': 'erase-without-read-model' } });
    const before = await t.allEvents();

    const refused = await erase();
    expect([refused.status, refused.body.code]).toEqual([503, 'service_unavailable']);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect((await t.allEvents()).map((event) => event.type)).toEqual(before.map((event) => event.type));

    // What the read-model projector does first on a new database.
    const tables = new ReadModelTables(1);
    for (const statement of [...tables.createStatements(), ...tables.activateStatements()]) await t.database.pool.query(statement);
    const erased = await erase();
    expect(erased.status).toBe(202);
    expect((await t.allEvents()).filter((event) => event.type === 'UserErased')).toHaveLength(1);
  });
});
