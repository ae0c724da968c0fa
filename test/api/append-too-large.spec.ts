import { createTestApp, type TestApp } from '../support/app';
import { dropTemplate } from '../support/postgres';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';

/**
 * A command whose events are more than the event store takes in one append (EventStoreDB's MaxAppendSize, which an
 * operator may set low) is the caller's 413 `payload_too_large`, never a 500: the same request would fail again.
 * Nothing is appended, and nothing is stored for the key, so the same request runs once the limit allows it.
 */
describe('an append over the event store’s size limit (EventStoreDB double)', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let redis: PrivateRedis; // every numbered database of the shared Redis belongs to another file
  beforeAll(async () => {
    redis = await startPrivateRedis();
    t = await createTestApp({ redisDb: 0, redisUrl: redis.url, eventStore: 'esdb', env: { RUN_PROJECTORS: 'false' } });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.destroy();
    await dropTemplate();
  });

  test('is 413 payload_too_large as problem+json, appends nothing, and the same key runs once the limit allows', async () => {
    const user = await t.request('POST', '/v1/users', { body: { email: 'too.large@example.com', password: 'correct horse battery' } });
    expect(user.status).toBe(201);
    const create = () =>
      t.request('POST', '/v1/organizations', { body: { name: 'Big enough to refuse' }, headers: { 'x-actor-id': user.body.id, 'idempotency-key': 'append-too-large' } });
    const before = (await t.allEvents()).length;

    t.esdb!.conditions.maxAppendSize = 64; // smaller than any event the command records
    const refused = await create();
    expect([refused.status, refused.body.code]).toEqual([413, 'payload_too_large']);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.detail).not.toContain('organization-'); // no stream name, no id of ours in the message
    expect((await t.allEvents()).length).toBe(before);

    t.esdb!.conditions.maxAppendSize = 1024 * 1024;
    const created = await create();
    expect(created.status).toBe(201);
    expect(created.headers['idempotent-replayed']).toBeUndefined();
  });
});
