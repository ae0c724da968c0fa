import { createHash, randomUUID } from 'node:crypto';
import { createTestApp, TEST_CLIENT_IP, type TestApp } from '../support/app';
import { dropTemplate } from '../support/postgres';

/**
 * `GET /v1/sessions/current` is served by Fastify directly (contract/plain-route.ts), not through Nest's router:
 * everything every other route does must hold for it too — the key and scope check, the request budget and its
 * headers, `X-Consistent-With`, problem+json errors, the correlation id, metrics and a request log without secrets.
 */
const key = (name: string) => `plain-route-${name}-${'k'.repeat(24)}`;
const entry = (name: string, scopes: string, rest = '') => `${name}:${createHash('sha256').update(key(name)).digest('hex')}:${scopes}${rest}`;
const PASSWORD = 'correct horse battery';

describe('GET /v1/sessions/current as a plain Fastify route', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let token: string;
  let position: string;

  beforeAll(async () => {
    t = await createTestApp({
      redisDb: 6,
      captureLogs: true,
      env: {
        SERVICE_KEYS: [
          entry('full', 'commands+queries+sessions+ops+users:manage'),
          entry('noscope', 'commands+queries'),
          entry('tiny', 'sessions', ':3/s'),
        ].join(','),
      },
    });
    const email = `plain-${randomUUID().slice(0, 8)}@example.com`;
    expect((await t.request('POST', '/v1/users', { body: { email, password: PASSWORD }, key: key('full') })).status).toBe(201);
    const login = await t.request('POST', '/v1/sessions', { body: { email, password: PASSWORD }, key: key('full') });
    expect(login.status).toBe(201);
    token = login.body.token as string;
    position = String(login.headers['x-event-position']);
  });
  afterAll(async () => {
    await t.close();
    await dropTemplate();
  });

  const check = (headers: Record<string, string>, as: string | null = key('full')) => t.request('GET', '/v1/sessions/current', { headers, key: as });

  test('X-Consistent-With waits for the login to be projected, then the session validates', async () => {
    // Asked right after the login: without the wait the sessions projection may not have it yet (401).
    const answer = await check({ 'x-session-token': token, 'x-consistent-with': position, 'x-correlation-id': 'plain-route-check-1' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ sessionId: expect.any(String), userId: expect.any(String), expiresAt: expect.any(String) });
    expect(answer.headers['x-correlation-id']).toBe('plain-route-check-1');
    expect(answer.headers['ratelimit-policy']).toBe('"per-key";q=1000;w=1');
    expect(String(answer.headers.ratelimit)).toMatch(/^"per-key";r=\d+;t=\d+$/);
  });

  test('a malformed position is 422 and one the projection will not reach in time is 504, as problem+json', async () => {
    const malformed = await check({ 'x-session-token': token, 'x-consistent-with': 'nonsense' });
    expect([malformed.status, malformed.body.code, malformed.headers['content-type']]).toEqual([422, 'validation_failed', 'application/problem+json; charset=utf-8']);
    const lagging = await check({ 'x-session-token': token, 'x-consistent-with': '999999999-1' });
    expect([lagging.status, lagging.body.code]).toEqual([504, 'projection_lagging']);
  });

  test('no key is 401, an unknown key 401, a key without the sessions scope 403, a malformed X-Actor-Id 422', async () => {
    const answers = await Promise.all([
      check({ 'x-session-token': token }, null),
      check({ 'x-session-token': token }, 'not-a-key-of-ours-at-all'),
      check({ 'x-session-token': token }, key('noscope')),
      check({ 'x-session-token': token, 'x-actor-id': 'someone' }),
    ]);
    expect(answers.map((answer) => [answer.status, answer.body.code, answer.headers['content-type']])).toEqual([
      [401, 'unauthorized', 'application/problem+json; charset=utf-8'],
      [401, 'unauthorized', 'application/problem+json; charset=utf-8'],
      [403, 'forbidden', 'application/problem+json; charset=utf-8'],
      [422, 'validation_failed', 'application/problem+json; charset=utf-8'],
    ]);
    // Refused before the session was looked at: nothing in the answers says whether the token is live.
    for (const answer of answers) expect(answer.text).not.toContain('userId');
  });

  test('an unknown or malformed token is 401 session_invalid', async () => {
    const sent: Record<string, string>[] = [{ 'x-session-token': 'x'.repeat(43) }, { 'x-session-token': 'short' }, {}];
    for (const headers of sent) {
      const answer = await check(headers);
      expect([answer.status, answer.body.code, answer.headers['content-type']]).toEqual([401, 'session_invalid', 'application/problem+json; charset=utf-8']);
    }
  });

  test('the request budget counts these checks: past it, 429 rate_limited with Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await check({ 'x-session-token': token }, key('tiny')));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429, 429]);
    expect(answers[0]!.headers['ratelimit-policy']).toBe('"per-key";q=3;w=1');
    expect(answers[3]!.body.code).toBe('rate_limited');
    expect(answers[3]!.headers['retry-after']).toEqual(expect.any(String));
  });

  test('each check is logged and measured under its route, and no token, key or address reaches the log', async () => {
    await check({ 'x-session-token': token, 'x-correlation-id': 'plain-route-logged' });
    // A correlation id is the caller's text: one that is an address is scrubbed from the line, not trusted.
    const chosen = await check({ 'x-session-token': token, 'x-correlation-id': '198.51.100.23' });
    expect(chosen.headers['x-correlation-id']).toBe('198.51.100.23');
    const line = t.logs.map((text) => JSON.parse(text)).find((log) => log.msg === 'request' && log.correlationId === 'plain-route-logged');
    expect(line).toMatchObject({ service: 'full', method: 'GET', route: '/v1/sessions/current', status: 200 });
    const metrics = await t.request('GET', '/metrics', { key: key('full') });
    expect(metrics.text).toMatch(/accounts_http_request_duration_seconds_count\{method="GET",route="\/v1\/sessions\/current",status="200"\} [1-9]/);
    const written = t.logs.join('');
    for (const secret of [token, key('full'), key('tiny'), TEST_CLIENT_IP, '198.51.100.23']) expect(written).not.toContain(secret);
  });

  test('the route is in /openapi.json from its contract', async () => {
    const document = (await t.request('GET', '/openapi.json', { key: null })).body;
    const operation = document.paths['/v1/sessions/current'].get;
    expect(operation.operationId).toBe('currentSession');
    expect(operation['x-required-scope'] ?? operation.security).toBeTruthy();
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '422', '429', '503', '504']));
  });
});
