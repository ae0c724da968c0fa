import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { dropTemplate } from '../support/postgres';
import { createTestApp, type TestApp } from '../support/app';

/**
 * Every bad input gets a 4xx problem document with a stable code, and changes nothing: whatever arrives, the number
 * of events in the store stays the same, and no response carries a stack trace or repeats a secret-looking value.
 */
describe('bad input never changes anything', () => {
  jest.setTimeout(300_000);
  let t: TestApp;
  let actor: string;
  let organizationId: string;

  beforeAll(async () => {
    t = await createTestApp({ redisDb: 15 });
    actor = (await t.request('POST', '/v1/users', { body: { email: 'owner@example.com', password: 'correct horse battery' } })).body.id;
    organizationId = (await t.request('POST', '/v1/organizations', { body: { name: 'Acme' }, headers: { 'x-actor-id': actor } })).body.id;
  });
  afterAll(async () => {
    await t.close();
    await dropTemplate();
  });

  const eventCount = async () => (await t.database.pool.query('SELECT count(*)::int AS n FROM es_events')).rows[0].n as number;

  const routes = () => [
    { method: 'POST', url: '/v1/users', fields: ['email', 'password'] },
    { method: 'POST', url: `/v1/users/${actor}/email`, fields: ['email'] },
    { method: 'POST', url: `/v1/users/${actor}/password`, fields: ['currentPassword', 'newPassword'] },
    { method: 'POST', url: '/v1/organizations', fields: ['name', 'plan'] },
    { method: 'PATCH', url: `/v1/organizations/${organizationId}`, fields: ['name'] },
    { method: 'POST', url: `/v1/organizations/${organizationId}/plan`, fields: ['plan'] },
    { method: 'POST', url: `/v1/organizations/${organizationId}/ownership`, fields: ['newOwnerId'] },
    { method: 'POST', url: `/v1/organizations/${organizationId}/payment-method`, fields: ['processor', 'paymentMethodId'] },
    { method: 'POST', url: `/v1/organizations/${organizationId}/members`, fields: ['userId', 'role'] },
    { method: 'PATCH', url: `/v1/organizations/${organizationId}/members/${actor}`, fields: ['role'] },
  ];

  const hostileString = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom('', ' ', '\u0000', "'; DROP TABLE es_events; --", '<script>alert(1)</script>', '%s%n', '../../etc/passwd', '4111111111111111', '\u202e\u0000\uffff', 'a'.repeat(5000)),
  );
  const hostileValue = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 2 }));

  test('property: wrong types, missing and unknown fields, hostile strings', async () => {
    const before = await eventCount();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 9 }),
        fc.dictionary(fc.constantFrom('email', 'password', 'name', 'plan', 'role', 'userId', 'newOwnerId', 'processor', 'paymentMethodId', 'currentPassword', 'newPassword', '__proto__', 'constructor', 'extra'), hostileValue, { maxKeys: 4 }),
        async (routeIndex, body) => {
          const route = routes()[routeIndex]!;
          const response = await t.request(route.method, route.url, { body, headers: { 'x-actor-id': randomUUID() } });
          // Either refused with a problem document, or (rarely, when fast-check builds a valid body) a rule said no.
          if (response.status < 400 || response.status >= 500) return false;
          if (!String(response.headers['content-type']).includes('application/problem+json')) return false;
          if (typeof response.body.code !== 'string' || /\bat [\w.]+ \(/.test(response.text)) return false;
          return !response.text.includes('4111111111111111');
        },
      ),
      { numRuns: 150 },
    );
    expect(await eventCount()).toBe(before);
  });

  test('malformed JSON, wrong content type, an oversized body, no key, a wrong key, no idempotency key', async () => {
    const before = await eventCount();
    const cases = [
      { request: t.request('POST', '/v1/users', { body: '{"email": "a@b.c", "password": ', headers: { 'content-type': 'application/json' } }), status: 400, code: 'malformed_request' },
      { request: t.request('POST', '/v1/users', { body: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), status: 415, code: 'unsupported_media_type' },
      { request: t.request('POST', '/v1/users', { body: { email: 'a@example.com', password: 'x'.repeat(100_000) } }), status: 413, code: 'payload_too_large' },
      { request: t.request('POST', '/v1/users', { body: { email: 'a@example.com', password: 'correct horse' }, key: null }), status: 401, code: 'unauthorized' },
      { request: t.request('POST', '/v1/users', { body: { email: 'a@example.com', password: 'correct horse' }, key: 'wrong-key' }), status: 401, code: 'unauthorized' },
      { request: t.request('POST', '/v1/users', { body: { email: 'a@example.com', password: 'correct horse' }, headers: { 'idempotency-key': '' } }), status: 422, code: 'validation_failed' },
      { request: t.request('POST', '/v1/users', { body: [] }), status: 422, code: 'validation_failed' },
      { request: t.request('POST', '/v1/users', { body: 'null', headers: { 'content-type': 'application/json' } }), status: 422, code: 'validation_failed' },
    ];
    for (const { request, status, code } of cases) {
      const response = await request;
      expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    expect(await eventCount()).toBe(before);
  });

  test('a key without the scope gets 403', async () => {
    const { createHash } = await import('node:crypto');
    const readOnly = await createTestApp({
      redisDb: 15,
      shareDatabaseWith: t,
      env: { SERVICE_KEYS: `reader:${createHash('sha256').update('reader-key').digest('hex')}:queries` },
    });
    const response = await readOnly.request('POST', '/v1/users', { body: { email: 'a@example.com', password: 'correct horse' }, key: 'reader-key' });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('forbidden');
    await readOnly.close();
  });
});
