import { randomUUID } from 'node:crypto';
import { dropTemplate } from '../support/postgres';
import { createTestApp, createTwoProcesses, EVENT_STORES, type TestApp } from '../support/app';

describe.each(EVENT_STORES)('user commands over HTTP (%s)', (eventStore) => {
  jest.setTimeout(60_000);
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redisDb: 12, eventStore });
  });
  afterAll(async () => {
    await t.close();
    await dropTemplate();
  });

  test('POST /v1/users registers a user: 201 with id, normalised email and time, and X-Event-Position', async () => {
    const response = await t.request('POST', '/v1/users', { body: { email: ' Ada@Example.com ', password: 'correct horse battery' } });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: 'ada@example.com', createdAt: expect.any(String) });
    expect(response.headers['x-event-position']).toMatch(/^\d+-\d+$/);
  });

  test('POST /v1/users/{id}/email: 200 with the new address, 409 email_taken for a taken one, 404 for no user; the old address is free again', async () => {
    const ada = (await t.request('POST', '/v1/users', { body: { email: 'ada.change@example.com', password: 'correct horse battery' } })).body.id;
    await t.request('POST', '/v1/users', { body: { email: 'taken.address@example.com', password: 'correct horse battery' } });
    const changed = await t.request('POST', `/v1/users/${ada}/email`, { body: { email: 'Ada.New@Example.com' } });
    expect([changed.status, changed.body]).toEqual([200, { id: ada, email: 'ada.new@example.com' }]);
    const taken = await t.request('POST', `/v1/users/${ada}/email`, { body: { email: 'taken.address@example.com' } });
    expect([taken.status, taken.body.code]).toEqual([409, 'email_taken']);
    const nobody = await t.request('POST', `/v1/users/${randomUUID()}/email`, { body: { email: 'someone@example.com' } });
    expect([nobody.status, nobody.body.code]).toEqual([404, 'user_not_found']);
    const reuse = await t.request('POST', '/v1/users', { body: { email: 'ada.change@example.com', password: 'another person here' } });
    expect(reuse.status).toBe(201);
  });

  test('POST /v1/users/{id}/password: 204, then 401 invalid_credentials with the old password; 422 for a weak new one', async () => {
    const id = (await t.request('POST', '/v1/users', { body: { email: 'pw.change@example.com', password: 'correct horse battery' } })).body.id;
    const weak = await t.request('POST', `/v1/users/${id}/password`, { body: { currentPassword: 'correct horse battery', newPassword: 'short' } });
    expect([weak.status, weak.body.code, weak.body.errors]).toEqual([422, 'validation_failed', [{ field: 'newPassword', message: expect.any(String) }]]);
    expect((await t.request('POST', `/v1/users/${id}/password`, { body: { currentPassword: 'correct horse battery', newPassword: 'a new good secret' } })).status).toBe(204);
    const old = await t.request('POST', `/v1/users/${id}/password`, { body: { currentPassword: 'correct horse battery', newPassword: 'yet another secret' } });
    expect([old.status, old.body.code]).toEqual([401, 'invalid_credentials']);
    const unknown = await t.request('POST', `/v1/users/${randomUUID()}/password`, { body: { currentPassword: 'correct horse battery', newPassword: 'yet another secret' } });
    expect([unknown.status, unknown.body.code]).toEqual([401, 'invalid_credentials']);
  });

  test('an idempotent response survives a restart: a new process on the same stores replays it', async () => {
    const headers = { 'idempotency-key': `restart-${randomUUID()}` };
    const body = { email: 'restart@example.com', password: 'correct horse battery' };
    const first = await t.request('POST', '/v1/users', { body, headers });
    const restarted = await createTestApp({ redisDb: 12, shareDatabaseWith: t, eventStore: 'postgres', env: t.config.eventStoreUrl ? { EVENTSTORE_URL: t.config.eventStoreUrl } : {} });
    const repeat = await restarted.request('POST', '/v1/users', { body, headers });
    await restarted.close();
    expect([repeat.status, repeat.body]).toEqual([first.status, first.body]);
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    expect((await t.allEvents()).filter((e) => e.type === 'UserRegistered' && e.streamName === `user-${first.body.id}`)).toHaveLength(1);
  });

  test('the same address again is 409 email_taken, as problem+json', async () => {
    await t.request('POST', '/v1/users', { body: { email: 'grace@example.com', password: 'correct horse battery' } });
    const again = await t.request('POST', '/v1/users', { body: { email: 'GRACE@example.com', password: 'another good password' } });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.body).toMatchObject({ status: 409, code: 'email_taken' });
  });
});

describe.each(EVENT_STORES)('unique email under concurrency (%s)', (eventStore) => {
  jest.setTimeout(120_000);
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    [first, second] = await createTwoProcesses({ redisDb: 14, eventStore });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  test('20 concurrent registrations of one address through two processes: exactly one succeeds, the rest are email_taken', async () => {
    const email = `race-${Date.now()}@example.com`;
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? first : second).request('POST', '/v1/users', { body: { email: i % 4 < 2 ? email.toUpperCase() : email, password: 'correct horse battery' } }),
      ),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409 && r.body.code === 'email_taken')).toHaveLength(19);
    expect((await first.allEvents()).filter((e) => e.type === 'UserRegistered')).toHaveLength(1);
  });
});
