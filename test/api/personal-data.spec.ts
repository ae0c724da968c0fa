import { dropTemplate } from '../support/postgres';
import { everyStoredByte } from '../support/stored-bytes';
import { createTestApp, EVENT_STORES, TEST_CLIENT_IP, type TestApp } from '../support/app';

/**
 * Personal data never reaches a log, a stream name, event metadata or plaintext event data: a whole scenario runs
 * with logs captured at debug level, then the raw stores and the logs are searched for every plaintext value.
 */
describe.each(EVENT_STORES)('personal data stays sealed (%s)', (eventStore) => {
  jest.setTimeout(120_000);
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redisDb: eventStore === 'esdb' ? 2 : 10, captureLogs: true, eventStore });
  });
  afterAll(async () => {
    await t.close();
    await dropTemplate();
  });

  test('a scenario leaves no plaintext email, password, hash, IP or payment reference in events, stored responses or logs', async () => {
    const secrets = {
      email: 'Marie.Curie@Example.org',
      normalisedEmail: 'marie.curie@example.org',
      newEmail: 'marie@radium.example',
      password: 'polonium and radium',
      newPassword: 'nobel prize twice',
      paymentMethodId: 'pm_SecretReference123',
      ip: TEST_CLIENT_IP,
    };
    const user = await t.request('POST', '/v1/users', { body: { email: secrets.email, password: secrets.password } });
    expect(user.status).toBe(201);
    const userId = user.body.id as string;
    expect((await t.request('POST', `/v1/users/${userId}/email`, { body: { email: secrets.newEmail } })).status).toBe(200);
    expect((await t.request('POST', `/v1/users/${userId}/password`, { body: { currentPassword: secrets.password, newPassword: secrets.newPassword } })).status).toBe(204);
    expect((await t.request('POST', `/v1/users/${userId}/password`, { body: { currentPassword: secrets.password, newPassword: 'whatever else' } })).status).toBe(401);
    const org = await t.request('POST', '/v1/organizations', { body: { name: 'Radium Institute' }, headers: { 'x-actor-id': userId } });
    await t.request('POST', `/v1/organizations/${org.body.id}/payment-method`, { body: { processor: 'stripe', paymentMethodId: secrets.paymentMethodId }, headers: { 'x-actor-id': userId } });
    await t.request('POST', '/v1/users', { body: { email: secrets.normalisedEmail, password: secrets.password } }); // a 409, also logged

    const events = (await t.allEvents()).map((e) => [e.streamName, e.data, e.metadata]);
    const { rows: records } = await t.database.pool.query(`SELECT * FROM idempotency_records`);
    const haystacks = {
      events: JSON.stringify(events).toLowerCase(),
      idempotencyRecords: JSON.stringify(records).toLowerCase(),
      logs: t.logs.join('\n').toLowerCase(),
    };
    expect(events.length).toBeGreaterThan(5);
    expect(t.logs.length).toBeGreaterThan(5);
    expect(haystacks.events).toContain('enc:v1:'); // the sealed values are there, as ciphertext
    expect(haystacks.idempotencyRecords).toContain('enc:v1:'); // and the stored responses about the person
    for (const [where, haystack] of Object.entries(haystacks)) {
      for (const [what, value] of Object.entries(secrets)) {
        expect({ where, what, found: haystack.includes(value.toLowerCase()) }).toEqual({ where, what, found: false });
      }
      expect(haystack).not.toContain('$argon2');
    }
  });

  test('at LOG_LEVEL=debug, URL-encoded personal data in paths and query strings reaches no log line (issue #11)', async () => {
    const email = 'Pierre.Curie@Sorbonne.example';
    const user = await t.request('POST', '/v1/users', { body: { email, password: 'the discovery of polonium' } });
    expect(user.status).toBe(201);
    const from = t.logs.length;
    const encoded = encodeURIComponent(email); // Pierre.Curie%40Sorbonne.example
    for (const url of [
      `/v1/users?email=${encoded}`,
      `/v1/users?email=${encodeURIComponent(encoded)}`, // double-encoded: %2540
      `/v1/users?email=${email.replace('@', '%40').replace(/\./g, '%2E')}`,
      `/v1/search/users?q=${encodeURIComponent('pierre.curie')}&limit=5`,
      `/v1/search/users?q=${encoded}`,
      `/v1/search/organizations?q=${encodeURIComponent('Curie Laboratory')}`,
      `/v1/users/${encoded}`,
      `/v1/users/${encoded}/sessions`,
      `/v1/no-such-route/${encoded}?ip=${encodeURIComponent(TEST_CLIENT_IP)}`,
    ]) {
      expect((await t.request('GET', url)).status).toBeLessThan(500);
    }
    const logs = t.logs.slice(from).join('\n');
    expect(logs).toContain('request detail'); // the debug lines were written, and searched below
    for (const value of [email, encoded, encodeURIComponent(encoded), 'pierre.curie', 'pierre%2ecurie', 'sorbonne', 'curie laboratory', 'curie%20laboratory', 'curie+laboratory', TEST_CLIENT_IP]) {
      expect({ value, found: logs.toLowerCase().includes(value.toLowerCase()) }).toEqual({ value, found: false });
    }
  });

  test('an unhandled error is logged with its class, message and stack, scrubbed; the caller gets a bare 500 (issue #11)', async () => {
    const org = await t.request('POST', '/v1/organizations', { body: { name: 'Broken Lab' }, headers: { 'x-actor-id': (await t.request('POST', '/v1/users', { body: { email: 'broken.lab@example.org', password: 'a password for the lab' } })).body.id } });
    const from = t.logs.length;
    // The read model's table disappears under the service: a failure no route foresaw.
    await t.database.pool.query('ALTER TABLE organizations RENAME TO organizations_gone');
    try {
      const failed = await t.request('GET', `/v1/organizations/${org.body.id}?email=${encodeURIComponent('broken.lab@example.org')}`);
      expect([failed.status, failed.body.code]).toEqual([500, 'internal_error']);
      expect(failed.text).not.toMatch(/organizations_gone|relation|at [\w.]+ \(/);
    } finally {
      await t.database.pool.query('ALTER TABLE organizations_gone RENAME TO organizations');
    }
    const lines = t.logs.slice(from).map((line) => JSON.parse(line) as { msg: string; err?: { type: string; message: string; stack: string } });
    const logged = lines.find((line) => line.msg === 'unhandled error');
    expect(logged?.err).toEqual({ type: expect.any(String), message: expect.stringContaining('organizations'), stack: expect.stringMatching(/\n\s+at /) });
    expect(t.logs.slice(from).join('\n')).not.toMatch(/\[object Object\]|broken\.lab/);
  });

  test('every store, once the projections have caught up, holds passwords, their hashes and payment references only sealed', async () => {
    const password = 'the secret of radium';
    const user = await t.request('POST', '/v1/users', { body: { email: 'irene.joliot@example.org', password } });
    const org = await t.request('POST', '/v1/organizations', { body: { name: 'Joliot Lab' }, headers: { 'x-actor-id': user.body.id } });
    const paid = await t.request('POST', `/v1/organizations/${org.body.id}/payment-method`, { body: { processor: 'stripe', paymentMethodId: 'pm_JoliotSecret42' }, headers: { 'x-actor-id': user.body.id } });
    expect(paid.status).toBe(200);
    const login = await t.request('POST', '/v1/sessions', { body: { email: 'irene.joliot@example.org', password } });
    expect(login.status).toBe(201);
    // Read-your-writes: the read model has seen every command above; the read model's row holds the hash sealed.
    const seen = await t.request('GET', `/v1/organizations/${org.body.id}`, { headers: { 'x-consistent-with': String(login.headers['x-event-position']) } });
    expect(seen.status).toBe(200);
    const { rows } = await t.database.pool.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [user.body.id]);
    expect(rows[0]!.password_hash).toMatch(/^enc:v1:/);

    const everything = (await everyStoredByte(t)).toLowerCase();
    expect(everything).toContain('irene.joliot@example.org'); // the read model and search need the address itself
    for (const secret of [password, '$argon2', 'pm_joliotsecret42']) expect({ secret, found: everything.includes(secret.toLowerCase()) }).toEqual({ secret, found: false });
  });
});
