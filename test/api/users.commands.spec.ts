import { dropTemplate } from '../support/postgres';
import { createTestApp, EVENT_STORES, type TestApp } from '../support/app';

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
    first = await createTestApp({ redisDb: 14, eventStore });
    second = await createTestApp({ redisDb: 14, shareDatabaseWith: first, eventStore: 'postgres', env: eventStore === 'esdb' ? { EVENTSTORE_URL: first.config.eventStoreUrl! } : {} });
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
