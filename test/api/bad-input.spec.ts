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
    { method: 'POST', url: '/v1/sessions', fields: ['email', 'password'] },
    { method: 'POST', url: '/v1/uploads', fields: ['purpose', 'subjectId', 'contentType', 'size'] },
    { method: 'POST', url: `/v1/users/${actor}/avatar`, fields: ['objectKey'] },
    { method: 'POST', url: `/v1/organizations/${organizationId}/logo`, fields: ['objectKey'] },
  ];

  /** Every query route, with the parameters it reads. */
  const queryRoutes = () => [
    { url: '/v1/users', params: ['email'] },
    { url: `/v1/users/${actor}`, params: [] },
    { url: `/v1/users/${actor}/sessions`, params: [] },
    { url: `/v1/organizations/${organizationId}`, params: [] },
    { url: `/v1/organizations/${organizationId}/members`, params: ['limit', 'cursor'] },
    { url: '/v1/search/users', params: ['q', 'limit', 'cursor'] },
    { url: '/v1/search/organizations', params: ['q', 'plan', 'limit', 'cursor'] },
    { url: '/v1/sessions/current', params: [] },
  ];

  const base64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  /** Cursors this service never wrote: forged keys, out-of-range numbers and times, ids that are not ids. */
  const hostileCursor = fc.oneof(
    fc.constantFrom(
      base64url(['+275760-09-13T00:00:00.000Z', randomUUID()]),
      base64url(['2026-12-01T00:00:00.000Z', '------------------------------------']),
      base64url(['2026-12-01T00:00:00.000Z', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz']),
      base64url({ k: 'users', r: 2 ** 40, s: 0, id: randomUUID() }),
      base64url({ k: 'users', r: 0, s: -(2 ** 40), id: randomUUID() }),
      base64url({ k: 'organizations', r: 1, s: 1, id: 'a\u0000b' }),
      base64url({ k: 'users', r: 1, s: 1, id: '\ud800' }),
      base64url('{"k":"users","r":1,"s":1,"id":"\\ud800"}'),
      base64url([[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]),
      '%00',
      'not a cursor',
    ),
    fc.json({ maxDepth: 3 }).map(base64url),
  );
  /** Look-alikes of the existing address: compatibility forms (the same mailbox, so taken) and invisible characters. */
  const LOOK_ALIKES = ['ｏｗｎｅｒ@example.com', 'OWNER@EXAMPLE.COM', 'owner@ｅｘａｍｐｌｅ.com', 'own\u034fer@example.com', 'owner\u2800@example.com', '\u3164owner@example.com', 'owner@exa\u200bmple.com', 'ow\u202ener@example.com'];
  const lookAlike = fc.constantFrom(...LOOK_ALIKES);

  const hostileString = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom('', ' ', '\u0000', "'; DROP TABLE es_events; --", '<script>alert(1)</script>', '%s%n', '../../etc/passwd', '4111111111111111', '\u202e\u0000\uffff', 'a'.repeat(5000)),
  );
  const loneSurrogate = fc.constantFrom('\ud800', 'ada\udfff@example.com', 'Acme \ud83d', '\udc00\ud800', `owner@example.com\ud800`);
  // A placeholder that `send` expands into JSON nested that deep (fast-check would recurse printing the value itself).
  const deeplyNested = fc.integer({ min: 17, max: 5000 }).map((depth) => `__nested_${depth}__`);
  const send = (method: string, url: string, body: unknown, headers: Record<string, string>) =>
    t.request(method, url, {
      body: JSON.stringify(body).replace(/"__nested_(\d+)__"/g, (_match, depth: string) => '['.repeat(Number(depth)) + ']'.repeat(Number(depth))),
      headers: { 'content-type': 'application/json', ...headers },
    });
  const hugeArray = fc.integer({ min: 101, max: 5000 }).map((length) => Array.from({ length }, () => 'x'));
  const hostileValue = fc.oneof(
    hostileString,
    loneSurrogate,
    lookAlike,
    deeplyNested,
    hugeArray,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.object({ maxDepth: 2 }),
  );

  /** A 4xx problem document with a stable code, no stack trace, no echo of a card number. */
  const isRefusal = (response: Awaited<ReturnType<TestApp['request']>>) =>
    response.status >= 400 &&
    response.status < 500 &&
    String(response.headers['content-type']).includes('application/problem+json') &&
    typeof response.body.code === 'string' &&
    !/\bat [\w.]+ \(/.test(response.text) &&
    !response.text.includes('4111111111111111');

  test('property: wrong types, missing and unknown fields, hostile strings', async () => {
    const before = await eventCount();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 9 }),
        fc.dictionary(fc.constantFrom('email', 'password', 'name', 'plan', 'role', 'userId', 'newOwnerId', 'processor', 'paymentMethodId', 'currentPassword', 'newPassword', '__proto__', 'constructor', 'extra'), hostileValue, { maxKeys: 4 }),
        async (routeIndex, body) => {
          const route = routes()[routeIndex]!;
          const response = await send(route.method, route.url, body, { 'x-actor-id': randomUUID() });
          // Either refused with a problem document, or (rarely, when fast-check builds a valid body) a rule said no.
          return isRefusal(response);
        },
      ),
      { numRuns: 300 },
    );
    expect(await eventCount()).toBe(before);
  });

  test('property: every field of every command, given deep nesting, lone surrogates, huge arrays or look-alikes', async () => {
    const before = await eventCount();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: routes().length - 1 }), fc.nat(), fc.oneof(loneSurrogate, deeplyNested, hugeArray, lookAlike), async (routeIndex, fieldIndex, hostile) => {
        const route = routes()[routeIndex]!;
        // A body that is otherwise valid-looking, so the hostile value is what the service must notice.
        const body: Record<string, unknown> = Object.fromEntries(route.fields.map((field) => [field, field.toLowerCase().includes('password') ? 'not the owner’s password' : 'owner@example.com']));
        const field = route.fields[fieldIndex % route.fields.length]!;
        // A look-alike of an address is hostile only where an address belongs (an organization may be named anything).
        fc.pre(field === 'email' || !LOOK_ALIKES.includes(hostile as string));
        body[field] = hostile;
        const response = await send(route.method, route.url, body, { 'x-actor-id': actor });
        // The owner's own address in another form is their address: changing to it may succeed, changing nothing.
        if (LOOK_ALIKES.includes(hostile as string) && response.status < 300) return (await eventCount()) === before;
        return isRefusal(response);
      }),
      { numRuns: 200 },
    );
    expect(await eventCount()).toBe(before);
  });

  test('property: every query route, given hostile cursors, lone surrogates, look-alikes and huge values in its parameters', async () => {
    const before = await eventCount();
    const hostileParameter = fc.oneof(hostileCursor, hostileString, loneSurrogate, lookAlike, fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map(String));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: queryRoutes().length - 1 }), fc.dictionary(fc.constantFrom('email', 'q', 'plan', 'limit', 'cursor', 'extra'), hostileParameter, { maxKeys: 3 }), async (routeIndex, parameters) => {
        const route = queryRoutes()[routeIndex]!;
        const query = new URLSearchParams(parameters as Record<string, string>).toString();
        const response = await t.request('GET', `${route.url}${query ? `?${query}` : ''}`);
        // A query may well answer (an empty page, a 404): what it must never do is fail as a 500.
        return response.status < 500 && (response.status < 400 || isRefusal(response));
      }),
      { numRuns: 300 },
    );
    expect(await eventCount()).toBe(before);
  });

  test('issue #11: each hostile input found is a 4xx problem and changes nothing', async () => {
    const before = await eventCount();
    const deep = '['.repeat(3000) + ']'.repeat(3000);
    const cases: Array<{ response: Awaited<ReturnType<TestApp['request']>>; status: number; code: string }> = [
      // JSON nested a few thousand deep (the request fingerprint's canonical JSON recursed: 500).
      { response: await t.request('POST', '/v1/organizations', { body: `{"name":"Deep","plan":${deep}}`, headers: { 'content-type': 'application/json', 'x-actor-id': actor } }), status: 422, code: 'input_too_complex' },
      // Lone surrogates in an email or a name (PostgreSQL refused them after the user was created: 500).
      { response: await t.request('POST', '/v1/users', { body: '{"email":"lone\\ud800@example.com","password":"correct horse battery"}', headers: { 'content-type': 'application/json' } }), status: 422, code: 'validation_failed' },
      { response: await t.request('POST', '/v1/organizations', { body: '{"name":"Acme \\udc00"}', headers: { 'content-type': 'application/json', 'x-actor-id': actor } }), status: 422, code: 'validation_failed' },
      { response: await t.request('POST', '/v1/organizations', { body: { name: 'x'.repeat(5000) }, headers: { 'x-actor-id': actor } }), status: 422, code: 'input_too_complex' },
      { response: await t.request('POST', '/v1/organizations', { body: { name: 'Big', extra: Array.from({ length: 1000 }, () => 0) }, headers: { 'x-actor-id': actor } }), status: 422, code: 'input_too_complex' },
      // NUL in a query parameter (PostgreSQL refused it in the lookup by email: 500, found by the property below).
      { response: await t.request('GET', `/v1/users?email=${encodeURIComponent('\u202e\u0000\uffff')}`), status: 422, code: 'validation_failed' },
      { response: await t.request('GET', `/v1/users?email=${encodeURIComponent('owner\u0000@example.com')}`), status: 422, code: 'validation_failed' },
      // Forged and out-of-range cursors on member lists and search.
      { response: await t.request('GET', `/v1/organizations/${organizationId}/members?cursor=${base64url(['+275760-09-13T00:00:00.000Z', randomUUID()])}`), status: 422, code: 'validation_failed' },
      { response: await t.request('GET', `/v1/organizations/${organizationId}/members?cursor=${base64url(['2026-12-01T00:00:00.000Z', '-'.repeat(36)])}`), status: 422, code: 'validation_failed' },
      { response: await t.request('GET', `/v1/search/users?q=owner&cursor=${base64url({ k: 'users', r: 2 ** 40, s: 0, id: randomUUID() })}`), status: 422, code: 'validation_failed' },
      { response: await t.request('GET', `/v1/search/organizations?q=acme&cursor=${base64url({ k: 'organizations', r: 1, s: 1, id: 'a\u0000b' })}`), status: 422, code: 'validation_failed' },
      // Look-alikes: the punycode form of a registered domain is the same mailbox; invisible characters are refused.
      { response: await t.request('POST', '/v1/users', { body: { email: 'owner@xn--exmple-cua.com', password: 'correct horse battery' } }), status: 201, code: '' },
      { response: await t.request('POST', '/v1/users', { body: { email: 'owner@exämple.com', password: 'correct horse battery' } }), status: 409, code: 'email_taken' },
      { response: await t.request('POST', '/v1/users', { body: { email: 'own\u034fer@example.com', password: 'correct horse battery' } }), status: 422, code: 'validation_failed' },
      { response: await t.request('POST', '/v1/users', { body: { email: 'owner\u2800@example.com', password: 'correct horse battery' } }), status: 422, code: 'validation_failed' },
      // Card numbers with other separators; the most common passwords.
      { response: await t.request('POST', `/v1/organizations/${organizationId}/payment-method`, { body: { processor: 'stripe', paymentMethodId: '4111.1111.1111.1111' }, headers: { 'x-actor-id': actor } }), status: 422, code: 'raw_card_data_rejected' },
      { response: await t.request('POST', `/v1/organizations/${organizationId}/payment-method`, { body: { processor: 'stripe', paymentMethodId: '4111/1111/1111/1111' }, headers: { 'x-actor-id': actor } }), status: 422, code: 'raw_card_data_rejected' },
      { response: await t.request('POST', '/v1/users', { body: { email: 'common@example.com', password: 'Password1' } }), status: 422, code: 'password_too_common' },
    ];
    for (const { response, status, code } of cases) {
      expect({ status: response.status, code: response.body?.code ?? '' }).toEqual({ status, code });
      if (status >= 400) expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.text).not.toContain('4111');
    }
    // Only the registration at the punycode domain appended anything: its user, its verification token and its
    // address's reservation.
    expect((await eventCount()) - before).toBe(3);
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

  test('public routes refuse a hostile query string as every route does, as their contracts say', async () => {
    for (const url of ['/health/live', '/health/ready', '/openapi.json']) {
      const tooLong = await t.request('GET', `${url}?probe=${'x'.repeat(5000)}`, { key: null });
      expect([tooLong.status, tooLong.body.code]).toEqual([422, 'input_too_complex']);
      const tooMany = await t.request('GET', `${url}?${Array.from({ length: 101 }, (_, i) => `p${i}=1`).join('&')}`, { key: null });
      expect([tooMany.status, tooMany.body.code]).toEqual([422, 'input_too_complex']);
    }
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
