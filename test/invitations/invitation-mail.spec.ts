import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from '../support/app';
import { dropTemplate } from '../support/postgres';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { startTestSmtpServer, tokenFrom, type TestSmtpServer } from '../support/smtp';

/** Invite → register → verify → accept, every token read from the message the SMTP server in this process received. */
describe('an invitation by real mail', () => {
  jest.setTimeout(180_000);
  let t: TestApp;
  let redis: PrivateRedis;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    smtp = await startTestSmtpServer();
    t = await createTestApp({ redisDb: 0, redisUrl: redis.url, env: { SMTP_URL: smtp.url, MAIL_FROM: 'Accounts <no-reply@accounts.test>' } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    await redis.destroy();
    await dropTemplate();
  });

  const as = (actorId: string) => ({ 'x-actor-id': actorId });
  const call = async (method: string, url: string, options: Parameters<TestApp['request']>[2] = {}) => {
    // A 503 under the shared machine's load is retried as a caller would, with the same body.
    for (let attempt = 0; ; attempt++) {
      const response = await t.request(method, url, options);
      if (response.status !== 503 || attempt >= 3) return response;
    }
  };

  test('invite → register → verify → accept; the invitation token works once', async () => {
    const owner = (await call('POST', '/v1/users', { body: { email: `owner.${randomUUID().slice(0, 8)}@invite-mail.example`, password: 'correct horse battery' } })).body.id as string;
    const organization = await call('POST', '/v1/organizations', { body: { name: 'Mailed' }, headers: as(owner) });
    expect(organization.status).toBe(201);
    const email = `invitee.${randomUUID().slice(0, 8)}@invite-mail.example`;
    const invited = await call('POST', `/v1/organizations/${organization.body.id}/invitations`, { body: { email, role: 'admin' }, headers: as(owner) });
    expect(invited.status).toBe(201);

    await smtp.waitFor(() => smtp.to(email).length >= 1, 60_000);
    const invitationToken = tokenFrom(smtp.to(email)[0]!);
    const person = await call('POST', '/v1/users', { body: { email, password: 'correct horse battery' } });
    expect(person.status).toBe(201);
    const unverified = await call('POST', '/v1/invitations/accept', { body: { token: invitationToken }, headers: as(person.body.id) });
    expect(unverified.body.code).toBe('email_mismatch');

    await smtp.waitFor(() => smtp.to(email).length >= 2, 60_000);
    const verificationToken = tokenFrom(smtp.to(email)[1]!);
    expect(verificationToken).not.toBe(invitationToken);
    expect((await call('POST', '/v1/users/verify-email', { body: { token: verificationToken } })).status).toBe(200);

    const joined = await call('POST', '/v1/invitations/accept', { body: { token: invitationToken }, headers: as(person.body.id) });
    expect(joined.status).toBe(201);
    expect(joined.body).toMatchObject({ organizationId: organization.body.id, userId: person.body.id, role: 'admin', invitationId: invited.body.id });
    const again = await call('POST', '/v1/invitations/accept', { body: { token: invitationToken }, headers: as(person.body.id) });
    expect([again.status, again.body.code]).toEqual([404, 'invitation_not_found']);
  });
});
