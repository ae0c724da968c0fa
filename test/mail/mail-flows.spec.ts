import { randomUUID } from 'node:crypto';
import { hashEmailedToken } from '@accounts/privacy';
import { createTestApp, retryWhileLagging, type TestApp } from '../support/app';
import { startTestSmtpServer, tokenFrom, type TestSmtpServer } from '../support/smtp';
import { everyStoredByte } from '../support/stored-bytes';

// Email verification and password reset end to end over HTTP, with the mail delivered by the service's own mail
// projection to an SMTP server in the test process; every token is read from the delivered message.
jest.setTimeout(180_000);

describe('mail flows: verification and password reset', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  const tokens: string[] = [];
  const addresses: string[] = [];

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    t = await createTestApp({ redisDb: 10, env: { SMTP_URL: smtp.url, MAIL_FROM: 'Accounts <no-reply@accounts.test>' }, captureLogs: true });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  let counter = 0;
  /**
   * A request as a careful caller sends it: a 503 (this shared machine's PostgreSQL runs out of connections at times)
   * is retried with the same Idempotency-Key.
   */
  const call = async (method: string, url: string, options: Parameters<TestApp['request']>[2] = {}) => {
    const headers = { ...(method !== 'GET' ? { 'idempotency-key': randomUUID() } : {}), ...options.headers };
    for (let attempt = 0; ; attempt++) {
      const response = await t.request(method, url, { ...options, headers });
      if (response.status !== 503 || attempt >= 10) return response;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const newAddress = () => {
    const address = `person${++counter}.${process.pid}@mail-flows.example`;
    addresses.push(address);
    return address;
  };
  const register = async (email: string, password = 'correct horse battery staple') => {
    const response = await call('POST', '/v1/users', { body: { email, password } });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const mailTo = async (address: string, count = 1) => {
    await smtp.waitFor(() => smtp.to(address).length >= count, 60_000);
    const message = smtp.to(address)[count - 1]!;
    const token = tokenFrom(message);
    tokens.push(token);
    return { message, token };
  };
  /** A read that waits for its position; on this shared machine the read model may lag past the gate's wait. */
  const readUser = (id: string, position: unknown) => retryWhileLagging(() => call('GET', `/v1/users/${id}`, { headers: { 'x-consistent-with': String(position) } }));
  const eventIdOf = async (type: string, streamName: string) => (await t.allEvents()).filter((e) => e.type === type && e.streamName === streamName).map((e) => e.id);

  test('register → a mail with a token → verify: the address is verified, and the token refused on second use', async () => {
    const email = newAddress();
    const id = await register(email);
    const { message, token } = await mailTo(email);
    expect(message.from).toBe('no-reply@accounts.test');
    expect(message.subject).toMatch(/confirm your email/i);
    expect(message.html).toContain(token);
    const [issuedEvent] = await eventIdOf('EmailVerificationIssued', `user-${id}`);
    expect(message.messageId).toBe(`<${issuedEvent}@accounts.test>`);

    const before = await call('GET', `/v1/users/${id}`);
    expect(before.body.emailVerified).toBe(false);
    const verified = await call('POST', '/v1/users/verify-email', { body: { token } });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ id, emailVerifiedAt: expect.any(String) });
    const after = await readUser(id, verified.headers['x-event-position']);
    expect(after.body.emailVerified).toBe(true);

    const again = await call('POST', '/v1/users/verify-email', { body: { token } });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('token_invalid');
  });

  test('a forged, truncated or wrong-purpose token is the same 400 token_invalid', async () => {
    const email = newAddress();
    await register(email);
    const { token } = await mailTo(email);
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const candidate of [forged, token.slice(1), 'x']) {
      const response = await call('POST', '/v1/users/verify-email', { body: { token: candidate } });
      expect([response.status, response.body.code]).toEqual([400, 'token_invalid']);
    }
    const asReset = await call('POST', '/v1/password-resets/confirm', { body: { token, newPassword: 'another long passphrase' } });
    expect([asReset.status, asReset.body.code]).toEqual([400, 'token_invalid']);
  });

  test('an email change mails the new address; the old token is dead, the new one verifies', async () => {
    const email = newAddress();
    const id = await register(email);
    const { token: oldToken } = await mailTo(email);
    const changedTo = newAddress();
    const changed = await call('POST', `/v1/users/${id}/email`, { body: { email: changedTo }, headers: { 'x-actor-id': id } });
    expect(changed.status).toBe(200);
    const { token: newToken } = await mailTo(changedTo);

    const old = await call('POST', '/v1/users/verify-email', { body: { token: oldToken } });
    expect([old.status, old.body.code]).toEqual([400, 'token_invalid']);
    const verified = await call('POST', '/v1/users/verify-email', { body: { token: newToken } });
    expect(verified.status).toBe(200);
    const user = await readUser(id, verified.headers['x-event-position']);
    expect(user.body).toMatchObject({ email: changedTo, emailVerified: true });
  });

  test('a reset request answers the same for a known and an unknown address, and mails only the known one', async () => {
    const known = newAddress();
    await register(known);
    await mailTo(known); // the verification
    const unknown = newAddress();
    const forKnown = await call('POST', '/v1/password-resets', { body: { email: known }, key: undefined });
    const forUnknown = await call('POST', '/v1/password-resets', { body: { email: unknown } });
    expect(forKnown.status).toBe(202);
    expect(forUnknown.status).toBe(202);
    expect(forKnown.text).toBe(forUnknown.text);
    const headerNames = (headers: Record<string, unknown>) => Object.keys(headers).filter((name) => !['date', 'x-request-id', 'x-correlation-id'].includes(name)).sort();
    expect(headerNames(forKnown.headers)).toEqual(headerNames(forUnknown.headers));
    expect(forKnown.headers['x-event-position']).toBeUndefined();

    const { message } = await mailTo(known, 2);
    expect(message.subject).toMatch(/reset your password/i);
    // Mail goes out in the order of the events; a later registration's mail arriving proves nothing was queued before.
    const marker = newAddress();
    await register(marker);
    await mailTo(marker);
    expect(smtp.to(unknown)).toHaveLength(0);
  });

  test('a reset confirm sets the new password and ends every session; the token works once', async () => {
    const email = newAddress();
    const id = await register(email, 'the first long passphrase');
    await mailTo(email);
    const login = await call('POST', '/v1/sessions', { body: { email, password: 'the first long passphrase' } });
    expect(login.status).toBe(201);
    const session = login.body.token as string;
    expect((await call('GET', '/v1/sessions/current', { headers: { 'x-session-token': session, 'x-consistent-with': String(login.headers['x-event-position']) } })).status).toBe(200);

    expect((await call('POST', '/v1/password-resets', { body: { email } })).status).toBe(202);
    const { token } = await mailTo(email, 2);
    const confirmed = await call('POST', '/v1/password-resets/confirm', { body: { token, newPassword: 'a brand new passphrase' } });
    expect(confirmed.status).toBe(204);
    const position = String(confirmed.headers['x-event-position']);
    const check = await call('GET', '/v1/sessions/current', { headers: { 'x-session-token': session, 'x-consistent-with': position } });
    expect([check.status, check.body.code]).toEqual([401, 'session_invalid']);

    const again = await call('POST', '/v1/password-resets/confirm', { body: { token, newPassword: 'yet another passphrase' } });
    expect([again.status, again.body.code]).toEqual([400, 'token_invalid']);
    expect((await call('POST', '/v1/sessions', { body: { email, password: 'the first long passphrase' } })).status).toBe(401);
    const relogin = await call('POST', '/v1/sessions', { body: { email, password: 'a brand new passphrase' } });
    expect([relogin.status, relogin.body.userId]).toEqual([201, id]);
  });

  test('a newer reset request kills the token of the earlier one', async () => {
    const email = newAddress();
    await register(email);
    await mailTo(email);
    await call('POST', '/v1/password-resets', { body: { email } });
    const { token: first } = await mailTo(email, 2);
    await call('POST', '/v1/password-resets', { body: { email } });
    const { token: second } = await mailTo(email, 3);
    const old = await call('POST', '/v1/password-resets/confirm', { body: { token: first, newPassword: 'a brand new passphrase' } });
    expect([old.status, old.body.code]).toEqual([400, 'token_invalid']);
    expect((await call('POST', '/v1/password-resets/confirm', { body: { token: second, newPassword: 'a brand new passphrase' } })).status).toBe(204);
  });

  test('reset requests are throttled per address: 429 with Retry-After, the same for an address without an account', async () => {
    for (const email of [newAddress(), `nobody.${process.pid}@mail-flows.example`]) {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await call('POST', '/v1/password-resets', { body: { email } })).status);
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    }
  });

  test('no address, token or token hash in logs, Redis, events (outside sealed fields), the outbox or any other table', async () => {
    expect(tokens.length).toBeGreaterThan(5);
    const parts = (await everyStoredByte(t)).split('\n');
    // The read model's and search's users tables, and the stored responses of registrations and email changes (which
    // return the address to their caller), hold the address by design, before this feature; everything else, the
    // mail outbox and the mail projection's tables included, must not. No token or hash may be anywhere.
    const byDesign = /^(users_v\d+|search_users_v\d+|idempotency_records)$/;
    const stored = parts.join('\n');
    expect(parts.some((part) => part === 'mail_outbox')).toBe(true);
    const holders = (needle: string) => parts.flatMap((part, i) => (part.includes(needle) && !byDesign.test(parts[i - 1] ?? '') ? [(parts[i - 1] ?? '').slice(0, 40)] : []));
    for (const address of addresses) expect(holders(address)).toEqual([]);
    for (const token of tokens) {
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(hashEmailedToken(token));
    }
  });
});
