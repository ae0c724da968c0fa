import { dropTemplate } from '../support/postgres';
import { createTestApp, type TestApp } from '../support/app';

describe('user commands over HTTP', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redisDb: 12 });
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
