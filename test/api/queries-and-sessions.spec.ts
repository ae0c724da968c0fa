import { randomUUID } from 'node:crypto';
import { dropTemplate } from '../support/postgres';
import { createTestApp, EVENT_STORES, type TestApp } from '../support/app';

describe.each(EVENT_STORES)('queries, sessions and search, fed by the projectors (%s)', (eventStore) => {
  jest.setTimeout(120_000);
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redisDb: eventStore === 'esdb' ? 4 : 8, eventStore });
  });
  afterAll(async () => {
    await t.close();
    await dropTemplate();
  });

  const consistent = (position: unknown) => ({ 'x-consistent-with': String(position) });

  async function register(email: string, password = 'correct horse battery') {
    const response = await t.request('POST', '/v1/users', { body: { email, password } });
    expect(response.status).toBe(201);
    return { id: response.body.id as string, position: response.headers['x-event-position'] };
  }

  test('read-your-writes: a user, their organization and its members, paged', async () => {
    const owner = await register(`owner-${randomUUID().slice(0, 6)}@example.com`);
    const org = await t.request('POST', '/v1/organizations', { body: { name: 'Paging Inc' }, headers: { 'x-actor-id': owner.id } });
    let position = org.headers['x-event-position'];
    const members: string[] = [];
    for (let i = 0; i < 5; i++) {
      const member = await register(`member${i}-${randomUUID().slice(0, 6)}@example.com`);
      const added = await t.request('POST', `/v1/organizations/${org.body.id}/members`, { body: { userId: member.id, role: 'member' }, headers: { 'x-actor-id': owner.id } });
      position = added.headers['x-event-position'];
      members.push(member.id);
    }

    const user = await t.request('GET', `/v1/users/${owner.id}`, { headers: consistent(position) });
    expect(user.status).toBe(200);
    expect(user.body).toMatchObject({ id: owner.id, lastLoginAt: null, avatarUrl: null, memberships: [{ organizationId: org.body.id, role: 'owner' }] });

    const organization = await t.request('GET', `/v1/organizations/${org.body.id}`, { headers: consistent(position) });
    expect(organization.body).toEqual({ id: org.body.id, name: 'Paging Inc', plan: 'free', ownerId: owner.id, memberCount: 6, logoUrl: null });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { userId: string; email: string }[]; nextCursor: string | null } } = await t.request(
        'GET',
        `/v1/organizations/${org.body.id}/members?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item) => item.userId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([owner.id, ...members]);

    const byEmail = await t.request('GET', `/v1/users?email=${encodeURIComponent(user.body.email.toUpperCase())}`);
    expect(byEmail.body.id).toBe(owner.id);
    expect((await t.request('GET', `/v1/users/${randomUUID()}`)).body.code).toBe('user_not_found');
    expect((await t.request('GET', `/v1/organizations/${randomUUID()}`)).body.code).toBe('organization_not_found');
    expect((await t.request('GET', `/v1/users/${owner.id}`, { headers: { 'x-consistent-with': 'nonsense' } })).status).toBe(422);
  });

  test('a position the read model will not reach in time is 504 projection_lagging', async () => {
    const response = await t.request('GET', `/v1/organizations/${randomUUID()}`, { headers: consistent('999999999-1') });
    expect(response.status).toBe(504);
    expect(response.body.code).toBe('projection_lagging');
  });

  test('login, validate, list, log out, revoke all; a password change ends sessions', async () => {
    const email = `login-${randomUUID().slice(0, 6)}@example.com`;
    const user = await register(email);
    const wrong = await t.request('POST', '/v1/sessions', { body: { email, password: 'wrong password!' } });
    const unknown = await t.request('POST', '/v1/sessions', { body: { email: `nobody-${email}`, password: 'whatever it is' } });
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_credentials']);
    expect([unknown.status, unknown.body.code, unknown.body.detail]).toEqual([401, 'invalid_credentials', wrong.body.detail]);

    const login = await t.request('POST', '/v1/sessions', { body: { email: email.toUpperCase(), password: 'correct horse battery' } });
    expect(login.status).toBe(201);
    expect(login.body).toEqual({ token: expect.any(String), sessionId: expect.any(String), userId: user.id, expiresAt: expect.any(String) });
    const token = login.body.token as string;
    const afterLogin = consistent(login.headers['x-event-position']);

    const current = await t.request('GET', '/v1/sessions/current', { headers: { ...afterLogin, 'x-session-token': token } });
    expect(current.body).toEqual({ sessionId: login.body.sessionId, userId: user.id, expiresAt: login.body.expiresAt });
    const listed = await t.request('GET', `/v1/users/${user.id}/sessions`);
    expect(listed.body.items.map((s: { sessionId: string }) => s.sessionId)).toEqual([login.body.sessionId]);
    expect(listed.text).not.toContain(token);
    expect((await t.request('GET', '/v1/sessions/current', { headers: { 'x-session-token': 'x'.repeat(43) } })).body.code).toBe('session_invalid');
    const reloaded = await t.request('GET', `/v1/users/${user.id}`, { headers: afterLogin });
    expect(reloaded.body.lastLoginAt).toEqual(expect.any(String));

    const logout = await t.request('DELETE', `/v1/sessions/${login.body.sessionId}`);
    expect(logout.status).toBe(204);
    expect((await t.request('GET', '/v1/sessions/current', { headers: { ...consistent(logout.headers['x-event-position']), 'x-session-token': token } })).status).toBe(401);

    const second = await t.request('POST', '/v1/sessions', { body: { email, password: 'correct horse battery' } });
    const third = await t.request('POST', '/v1/sessions', { body: { email, password: 'correct horse battery' } });
    const revokeAll = await t.request('DELETE', `/v1/users/${user.id}/sessions`);
    expect(revokeAll.status).toBe(204);
    for (const s of [second, third]) {
      expect((await t.request('GET', '/v1/sessions/current', { headers: { ...consistent(revokeAll.headers['x-event-position']), 'x-session-token': s.body.token } })).status).toBe(401);
    }

    const fourth = await t.request('POST', '/v1/sessions', { body: { email, password: 'correct horse battery' } });
    const changed = await t.request('POST', `/v1/users/${user.id}/password`, { body: { currentPassword: 'correct horse battery', newPassword: 'a brand new secret' } });
    expect(changed.status).toBe(204);
    expect((await t.request('GET', '/v1/sessions/current', { headers: { ...consistent(changed.headers['x-event-position']), 'x-session-token': fourth.body.token } })).status).toBe(401);
  });

  test('a logout sent before the login is projected still ends the session (it waits for the sessions projection)', async () => {
    const email = `lag-${randomUUID().slice(0, 6)}@example.com`;
    await register(email);
    const sessionsPaused = async () => ((await t.request('GET', '/v1/ops/projections')).body.items as { name: string; paused: boolean }[]).find((p) => p.name === 'sessions')!.paused;
    expect((await t.request('POST', '/v1/ops/projections/sessions/pause')).status).toBe(200);
    for (let i = 0; i < 50 && !(await sessionsPaused()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 600)); // the owning supervisor's tick stops the runner
    try {
      const login = await t.request('POST', '/v1/sessions', { body: { email, password: 'correct horse battery' } });
      expect(login.status).toBe(201);
      const logout = t.request('DELETE', `/v1/sessions/${login.body.sessionId}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await t.request('POST', '/v1/ops/projections/sessions/resume')).status).toBe(200);
      const answered = await logout;
      expect(answered.status).toBe(204);
      const check = await t.request('GET', '/v1/sessions/current', { headers: { ...consistent(answered.headers['x-event-position']), 'x-session-token': login.body.token } });
      expect([check.status, check.body.code]).toEqual([401, 'session_invalid']);
    } finally {
      await t.request('POST', '/v1/ops/projections/sessions/resume');
    }
  });

  test('a logout right after a login that a transaction elsewhere still hides from $all ends the session', async () => {
    const email = `hidden-${randomUUID().slice(0, 6)}@example.com`;
    await register(email);
    // Any transaction of the cluster that is older than the login hides it from $all (and from the sessions
    // projection) until it ends, though the login was committed and answered 201.
    const elsewhere = await t.database.pool.connect();
    try {
      await elsewhere.query('BEGIN');
      await elsewhere.query('SELECT pg_current_xact_id()');
      const login = await t.request('POST', '/v1/sessions', { body: { email, password: 'correct horse battery' } });
      expect(login.status).toBe(201);
      const logout = t.request('DELETE', `/v1/sessions/${login.body.sessionId}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await elsewhere.query('COMMIT');
      const answered = await logout;
      expect([answered.status, typeof answered.headers['x-event-position']]).toEqual([204, 'string']);
      const check = await t.request('GET', '/v1/sessions/current', { headers: { ...consistent(answered.headers['x-event-position']), 'x-session-token': login.body.token } });
      expect([check.status, check.body.code]).toEqual([401, 'session_invalid']);
    } finally {
      await elsewhere.query('ROLLBACK').catch(() => undefined);
      elsewhere.release();
    }
  });

  test('a repeated login (same Idempotency-Key) returns the same session, and no token is stored anywhere', async () => {
    const email = `repeat-${randomUUID().slice(0, 6)}@example.com`;
    await register(email);
    const headers = { 'idempotency-key': `login-${randomUUID()}` };
    const first = await t.request('POST', '/v1/sessions', { body: { email, password: 'correct horse battery' }, headers });
    const again = await t.request('POST', '/v1/sessions', { body: { email, password: 'correct horse battery' }, headers });
    expect(again.body).toEqual(first.body);
    const stored = await t.allEvents();
    expect(stored.filter((e) => e.type === 'UserLoggedIn' && (e.data as { sessionId: string }).sessionId === first.body.sessionId)).toHaveLength(1);
    const records = await t.database.pool.query('SELECT response_body::text AS body FROM idempotency_records');
    expect(JSON.stringify(records.rows)).not.toContain(first.body.token);
    expect(JSON.stringify(stored.map((e) => [e.data, e.metadata]))).not.toContain(first.body.token);
    const keys = await t.redis.keys('*');
    const values = await Promise.all(keys.map(async (key) => ((await t.redis.type(key)) === 'string' ? t.redis.get(key) : '')));
    expect(JSON.stringify([keys, values])).not.toContain(first.body.token);
  });

  test('search: users by email prefix, organizations by name and plan', async () => {
    const stamp = randomUUID().slice(0, 6);
    const alice = await register(`alice.${stamp}@example.com`);
    await register(`bob.${stamp}@example.com`);
    const org = await t.request('POST', '/v1/organizations', { body: { name: `Zeta ${stamp} Labs`, plan: 'pro' }, headers: { 'x-actor-id': alice.id } });
    const users = await t.request('GET', `/v1/search/users?q=alice.${stamp}`, { headers: consistent(org.headers['x-event-position']) });
    expect(users.status).toBe(200);
    expect(users.body.items[0]).toMatchObject({ id: alice.id });
    const orgs = await t.request('GET', `/v1/search/organizations?q=zeta&plan=pro`, { headers: consistent(org.headers['x-event-position']) });
    expect(orgs.body.items.map((o: { id: string }) => o.id)).toContain(org.body.id);
    const none = await t.request('GET', `/v1/search/organizations?q=zeta&plan=enterprise`);
    expect(none.body.items.map((o: { id: string }) => o.id)).not.toContain(org.body.id);
  });
});

describe('operations', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redisDb: 5 });
  });
  afterAll(async () => {
    await t.close();
  });

  test('health, projection status, metrics and the OpenAPI document', async () => {
    const created = await t.request('POST', '/v1/users', { body: { email: 'ops@example.com', password: 'correct horse battery' } });
    await t.request('GET', `/v1/users/${created.body.id}`, { headers: { 'x-consistent-with': String(created.headers['x-event-position']) } });
    expect((await t.request('GET', '/health/live', { key: null })).status).toBe(200);
    const ready = await t.request('GET', '/health/ready', { key: null });
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.checks).sort()).toEqual(['eventStore', 'postgres', 'projections', 'redis']);

    // Sessions keep their checkpoint in Redis; the operators' view mirrors it within a fraction of a second.
    let projections = await t.request('GET', '/v1/ops/projections');
    for (let i = 0; i < 40 && projections.body.items.some((p: { checkpoint: string | null }) => p.checkpoint === null); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      projections = await t.request('GET', '/v1/ops/projections');
    }
    expect(projections.body.items.map((p: { name: string }) => p.name).sort()).toEqual(['erasure', 'invitations', 'mail', 'read_model', 'search', 'sessions', 'webhooks']);
    for (const item of projections.body.items) expect(item).toMatchObject({ state: 'live', deadLetters: 0, checkpoint: expect.stringMatching(/^\d+-\d+$/) });

    const metrics = await t.request('GET', '/metrics');
    expect(metrics.text).toContain('accounts_http_request_duration_seconds_bucket');
    expect(metrics.text).toContain('accounts_events_appended_total{stream_category="user"}');
    expect(metrics.text).toContain('accounts_projection_lag_events{projection="read_model"}');

    const openApi = await t.request('GET', '/openapi.json', { key: null });
    expect(openApi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openApi.body.paths)).toEqual(expect.arrayContaining(['/v1/users', '/v1/organizations/{id}/members', '/v1/sessions/current']));
    expect(openApi.body.paths['/v1/users'].post.requestBody.content['application/json'].schema.required).toEqual(['email', 'password']);
  });
});
