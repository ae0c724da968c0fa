import { createHash, randomUUID } from 'node:crypto';
import { EVENT_STORE } from '../../apps/api/src/infrastructure/tokens';
import { DEVELOPMENT_SERVICE_KEYS } from '@accounts/config';
import type { EventStore } from '@accounts/event-store';
import { DataKeyStore, ERASED, FieldSealer, PasswordHasher } from '@accounts/privacy';
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

  /** The raw idempotency record of a key, as PostgreSQL holds it (and any backup or WAL of it). */
  const rawRecord = async (key: string) =>
    (await t.database.pool.query<{ row: string; response_body: { $sealed?: { subject: string; sealed?: string } } }>(
      `SELECT to_jsonb(i)::text AS row, response_body FROM idempotency_records i WHERE idempotency_key = $1`,
      [key],
    )).rows[0]!;
  /** What a caller sees of a response: status, the headers a replay carries again, and the body's bytes. */
  const seen = (response: Awaited<ReturnType<TestApp['request']>>) => ({
    status: response.status,
    contentType: response.headers['content-type'],
    position: response.headers['x-event-position'],
    location: response.headers.location,
    text: response.text,
  });

  test('a stored response is sealed with its subject\'s key: the raw record holds no personal field, and a repeat replays it byte for byte', async () => {
    const headers = { 'idempotency-key': `sealed-${randomUUID()}` };
    const body = { email: 'Sealed.Response@Example.com', password: 'correct horse battery' };
    const first = await t.request('POST', '/v1/users', { body, headers });
    expect(first.status).toBe(201);
    const record = await rawRecord(headers['idempotency-key']);
    for (const value of ['sealed.response@example.com', 'sealed.response', first.body.createdAt as string, 'correct horse battery']) {
      expect({ value, found: record.row.toLowerCase().includes(value) }).toEqual({ value, found: false });
    }
    expect(record.response_body.$sealed).toEqual({ subject: first.body.id, sealed: expect.stringMatching(/^enc:v1:/) });

    const changed = await t.request('POST', `/v1/users/${first.body.id}/email`, { body: { email: 'Sealed.Changed@Example.com' }, headers: { 'idempotency-key': `sealed-change-${randomUUID()}` } });
    expect(changed.status).toBe(200);
    expect((await t.database.pool.query(`SELECT 1 FROM idempotency_records WHERE to_jsonb(idempotency_records)::text ILIKE '%sealed.%@example.com%'`)).rows).toEqual([]);

    const repeat = await t.request('POST', '/v1/users', { body, headers });
    expect(seen(repeat)).toEqual(seen(first));
    expect(repeat.headers['idempotent-replayed']).toBe('true');
  });

  test('a record stored plain by the previous version (a rolling deploy) still replays', async () => {
    const headers = { 'idempotency-key': `plain-${randomUUID()}` };
    const body = { email: 'plain.record@example.com', password: 'correct horse battery' };
    const first = await t.request('POST', '/v1/users', { body, headers });
    expect(first.status).toBe(201);
    // As the version before sealing wrote it: the body's JSON itself.
    await t.database.pool.query(`UPDATE idempotency_records SET response_body = $2::jsonb WHERE idempotency_key = $1`, [headers['idempotency-key'], first.text]);
    const repeat = await t.request('POST', '/v1/users', { body, headers });
    expect([repeat.status, repeat.body, repeat.headers['idempotent-replayed'], repeat.headers['x-event-position']]).toEqual([201, first.body, 'true', first.headers['x-event-position']]);
  });

  test("once the subject's key is destroyed, a surviving record is unreadable and a repeat is 410 idempotent_response_erased, nothing leaked", async () => {
    const headers = { 'idempotency-key': `shredded-${randomUUID()}` };
    const body = { email: 'shredded.response@example.com', password: 'correct horse battery' };
    const first = await t.request('POST', '/v1/users', { body, headers });
    expect(first.status).toBe(201);
    // The key alone, not the erasure (which also deletes the record): a record that outlived its subject's key.
    await t.app.get(DataKeyStore).destroy(first.body.id);
    const record = await rawRecord(headers['idempotency-key']);
    expect(record.row).not.toContain('shredded.response');
    expect(await t.app.get(FieldSealer).open(first.body.id, record.response_body.$sealed!.sealed!)).toBe(ERASED);

    const repeat = await t.request('POST', '/v1/users', { body, headers });
    expect([repeat.status, repeat.body.code, repeat.headers['content-type']]).toEqual([410, 'idempotent_response_erased', expect.stringContaining('application/problem+json')]);
    expect(repeat.text).not.toContain('shredded.response');
    expect(repeat.text).not.toContain(first.body.id);
  });

  test('the same address again is 409 email_taken, as problem+json', async () => {
    await t.request('POST', '/v1/users', { body: { email: 'grace@example.com', password: 'correct horse battery' } });
    const again = await t.request('POST', '/v1/users', { body: { email: 'GRACE@example.com', password: 'another good password' } });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.body).toMatchObject({ status: 409, code: 'email_taken' });
  });
});

describe.each(EVENT_STORES)('races across two processes (%s)', (eventStore) => {
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

  test('six changes with the same current password through two processes: exactly one wins', async () => {
    const email = `two-processes-${randomUUID().slice(0, 8)}@example.com`;
    const id = (await first.request('POST', '/v1/users', { body: { email, password: 'correct horse battery' } })).body.id as string;
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? first : second).request('POST', `/v1/users/${id}/password`, { body: { currentPassword: 'correct horse battery', newPassword: `new secret number ${i}` }, headers: { 'x-actor-id': id } }),
      ),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([204, 401, 401, 401, 401, 401]);
    expect((await first.allEvents()).filter((e) => e.type === 'UserPasswordChanged' && e.streamName === `user-${id}`)).toHaveLength(1);
  });
});

const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');
/** A service acting for its users: commands and sessions, but not `users:manage`. */
const APP_KEY = 'app-key-acting-for-its-users';
/** A support tool: may act for any user. */
const SUPPORT_KEY = 'support-key-with-users-manage';
const KEYS = [DEVELOPMENT_SERVICE_KEYS, `app:${sha256(APP_KEY)}:commands+sessions`, `support:${sha256(SUPPORT_KEY)}:commands+sessions+users:manage`].join(',');

describe.each(EVENT_STORES)('who may act for a user (%s)', (eventStore) => {
  jest.setTimeout(120_000);
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redisDb: 12, eventStore, env: { SERVICE_KEYS: KEYS } });
  });
  afterAll(async () => {
    await t.close();
  });

  const as = (actorId: string) => ({ 'x-actor-id': actorId });
  async function register(prefix: string): Promise<{ id: string; email: string }> {
    const email = `${prefix}-${randomUUID().slice(0, 8)}@example.com`;
    const response = await t.request('POST', '/v1/users', { body: { email, password: 'correct horse battery' } });
    expect(response.status).toBe(201);
    return { id: response.body.id as string, email };
  }
  async function logIn(email: string, headers: Record<string, string> = {}) {
    const login = await t.request('POST', '/v1/sessions', { body: { email, password: 'correct horse battery' }, headers, key: APP_KEY });
    expect(login.status).toBe(201);
    // Logout finds the session's user in the sessions projection: wait until it has the session.
    await t.request('GET', '/v1/sessions/current', { headers: { 'x-consistent-with': String(login.headers['x-event-position']), 'x-session-token': login.body.token }, key: APP_KEY });
    return login;
  }
  /** Every command about one user, as the app would send it for `actor` (or for nobody). */
  function commandsAbout(victim: { id: string }, sessionId: string): [string, string, unknown][] {
    return [
      ['POST', `/v1/users/${victim.id}/email`, { email: `taken-over-${randomUUID().slice(0, 8)}@example.com` }],
      ['POST', `/v1/users/${victim.id}/password`, { currentPassword: 'correct horse battery', newPassword: 'the attacker chose this' }],
      ['POST', `/v1/users/${victim.id}/avatar`, { objectKey: 'avatar-AAAAAAAAAAAAAAAAAAAAAA' }],
      ['POST', '/v1/uploads', { purpose: 'user_avatar', subjectId: victim.id, contentType: 'image/png', size: 100 }],
      ['DELETE', `/v1/users/${victim.id}/sessions`, undefined],
      ['DELETE', `/v1/sessions/${sessionId}`, undefined],
      ['DELETE', `/v1/users/${victim.id}`, undefined],
    ];
  }
  const streamOf = async (userId: string) => (await t.allEvents()).filter((event) => event.streamName === `user-${userId}`).length;

  test('another actor, or none, is 403 forbidden on every command about the user, and nothing changes', async () => {
    const [victim, attacker] = await Promise.all([register('victim'), register('attacker')]);
    const session = await logIn(victim.email);
    const before = await streamOf(victim.id);
    for (const headers of [as(attacker.id), {}]) {
      for (const [method, url, body] of commandsAbout(victim, session.body.sessionId)) {
        const response = await t.request(method, url, { body, headers, key: APP_KEY });
        expect({ method, url, actor: headers, status: response.status, code: response.body?.code }).toEqual({ method, url, actor: headers, status: 403, code: 'forbidden' });
        expect(response.headers['content-type']).toContain('application/problem+json');
      }
    }
    expect(await streamOf(victim.id)).toBe(before);
    const stillLive = await t.request('GET', '/v1/sessions/current', { headers: { 'x-session-token': session.body.token }, key: APP_KEY });
    expect(stillLive.status).toBe(200);
    expect((await t.request('POST', '/v1/sessions', { body: { email: victim.email, password: 'correct horse battery' }, key: APP_KEY })).status).toBe(201);
  });

  test('the user themself may act; ids in any case reach the same user', async () => {
    const user = await register('self');
    const changed = await t.request('POST', `/v1/users/${user.id.toUpperCase()}/email`, { body: { email: `renamed-${user.email}` }, headers: as(user.id), key: APP_KEY });
    expect([changed.status, changed.body]).toEqual([200, { id: user.id, email: `renamed-${user.email}` }]);
    const password = await t.request('POST', `/v1/users/${user.id.toUpperCase()}/password`, {
      body: { currentPassword: 'correct horse battery', newPassword: 'a new good secret' },
      headers: as(user.id.toUpperCase()),
      key: APP_KEY,
    });
    expect(password.status).toBe(204);
    expect((await t.request('DELETE', `/v1/users/${user.id}/sessions`, { headers: as(user.id), key: APP_KEY })).status).toBe(204);
    expect((await t.request('DELETE', `/v1/users/${user.id}`, { headers: as(user.id), key: APP_KEY })).status).toBe(202);
  });

  test('a users:manage key acts for any user, with or without an actor, and the actor it names is recorded', async () => {
    const [user, agent] = await Promise.all([register('managed'), register('agent')]);
    const withoutActor = await t.request('POST', `/v1/users/${user.id}/email`, { body: { email: `support-set-${user.email}` }, key: SUPPORT_KEY });
    expect(withoutActor.status).toBe(200);
    const withActor = await t.request('DELETE', `/v1/users/${user.id}/sessions`, { headers: as(agent.id), key: SUPPORT_KEY });
    expect(withActor.status).toBe(204);
    const login = await logIn(`support-set-${user.email}`);
    const logout = await t.request('DELETE', `/v1/sessions/${login.body.sessionId}`, { headers: as(agent.id), key: SUPPORT_KEY });
    expect(logout.status).toBe(204);
    const revoked = (await t.allEvents()).find((event) => event.type === 'SessionRevoked' && event.streamName === `user-${user.id}`);
    expect(revoked?.metadata).toMatchObject({ actorId: agent.id, service: 'support' });
  });

  test('an erased or unknown actor is 404 user_not_found, even with users:manage, and nothing is decided for them', async () => {
    const [user, gone] = await Promise.all([register('target'), register('gone')]);
    expect((await t.request('DELETE', `/v1/users/${gone.id}`, { headers: as(gone.id), key: APP_KEY })).status).toBe(202);
    const session = await logIn(user.email);
    const before = await streamOf(user.id);
    for (const actor of [gone.id, randomUUID()]) {
      for (const key of [APP_KEY, SUPPORT_KEY]) {
        for (const [method, url, body] of commandsAbout(user, session.body.sessionId)) {
          const response = await t.request(method, url, { body, headers: as(actor), key });
          expect({ method, url, key, status: response.status, code: response.body?.code }).toEqual({ method, url, key, status: 404, code: 'user_not_found' });
        }
      }
      // The erased user is not an actor for themself either.
      const self = await t.request('POST', `/v1/users/${gone.id}/email`, { body: { email: 'back@example.com' }, headers: as(gone.id), key: APP_KEY });
      expect([self.status, self.body.code]).toEqual([404, 'user_not_found']);
    }
    expect(await streamOf(user.id)).toBe(before);
  });

  test('five concurrent password changes with the same current password: exactly one 204, the others 401', async () => {
    const user = await register('racing');
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        t.request('POST', `/v1/users/${user.id}/password`, { body: { currentPassword: 'correct horse battery', newPassword: `new secret number ${i}` }, headers: as(user.id), key: APP_KEY }),
      ),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([204, 401, 401, 401, 401]);
    expect(responses.filter((r) => r.status === 401).map((r) => r.body.code)).toEqual(['invalid_credentials', 'invalid_credentials', 'invalid_credentials', 'invalid_credentials']);
    expect((await t.allEvents()).filter((e) => e.type === 'UserPasswordChanged' && e.streamName === `user-${user.id}`)).toHaveLength(1);
    // The winner's password is the one that works.
    const winner = responses.findIndex((r) => r.status === 204);
    expect((await t.request('POST', '/v1/sessions', { body: { email: user.email, password: `new secret number ${winner}` }, key: APP_KEY })).status).toBe(201);
  });

  test('a login repeated after its session was logged out is 401 session_invalid, never the dead token', async () => {
    const user = await register('replay');
    const headers = { 'idempotency-key': `login-${randomUUID()}` };
    const first = await logIn(user.email, headers);
    const repeat = await t.request('POST', '/v1/sessions', { body: { email: user.email, password: 'correct horse battery' }, headers, key: APP_KEY });
    expect(repeat.body).toEqual(first.body); // while the session lives, a repeat is the first answer
    expect((await t.request('DELETE', `/v1/sessions/${first.body.sessionId}`, { headers: as(user.id), key: APP_KEY })).status).toBe(204);
    const afterLogout = await t.request('POST', '/v1/sessions', { body: { email: user.email, password: 'correct horse battery' }, headers, key: APP_KEY });
    expect([afterLogout.status, afterLogout.body.code]).toEqual([401, 'session_invalid']);
    expect(afterLogout.text).not.toContain(first.body.token);
    expect((await t.allEvents()).filter((e) => e.type === 'UserLoggedIn' && e.streamName === `user-${user.id}`)).toHaveLength(1);
  });

  test('login does the same work for an unknown address as for a wrong password: the same reads, one verification', async () => {
    const user = await register('timing');
    // The mail sender reads the registration's event to address the verification mail: let it finish first, so that
    // only the logins' own reads are counted.
    for (let i = 0; i < 200; i++) {
      const { rows } = await t.database.pool.query(`SELECT count(*)::int AS n FROM mail_outbox WHERE subject_id = $1 AND status <> 'pending'`, [user.id]);
      if (rows[0].n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const store = t.app.get<EventStore>(EVENT_STORE);
    const passwords = t.app.get(PasswordHasher);
    const work = async (email: string) => {
      // Watched, not replaced: the real stores answer. (A verification against the dummy hash is an argon2 verify too.)
      const reads = jest.spyOn(store, 'readStream');
      const verifications = jest.spyOn(passwords, 'verify');
      const response = await t.request('POST', '/v1/sessions', { body: { email, password: 'not the password' }, key: APP_KEY });
      const counts = { status: response.status, reads: reads.mock.calls.length, verifications: verifications.mock.calls.length };
      jest.restoreAllMocks();
      return counts;
    };
    const wrongPassword = await work(user.email);
    const unknownAddress = await work(`nobody-${user.email}`);
    expect(unknownAddress).toEqual(wrongPassword);
    expect(wrongPassword).toMatchObject({ status: 401, verifications: 1 });
  });
});
