import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { ProjectionsLifecycle } from '../../apps/api/src/projections/projections.module';
import { EVENT_STORE } from '../../apps/api/src/infrastructure/tokens';
import { EventCodec } from '@accounts/event-codec';
import { type EventStore, parsePosition, type RecordedEvent } from '@accounts/event-store';
import { EmailedTokens, hashEmailedToken, loadMasterKey } from '@accounts/privacy';
import { userStream } from '@accounts/streams';
import { ConsistencyGate } from '@accounts/projections/consistency/consistency-gate';
import type { ProjectionsHost } from '@accounts/projections/projections-host';
import { createTestApp, EVENT_STORES, retryWhileLagging, type TestApp, type TestResponse } from '../support/app';
import { dropTemplate } from '../support/postgres';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { everyStoredByte } from '../support/stored-bytes';

const DAY = 86_400_000;

/**
 * Invitations over HTTP, from invite to membership, against the real stores. The token is the one the mail would
 * carry: recreated here from the event's token id, as the mail projection does.
 */
describe.each(EVENT_STORES)('invitations (%s)', (eventStore) => {
  jest.setTimeout(180_000);
  let t: TestApp;
  let redis: PrivateRedis;
  let tokens: EmailedTokens;
  let host: ProjectionsHost;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    t = await createTestApp({ redisDb: 0, redisUrl: redis.url, eventStore, captureLogs: true });
    tokens = new EmailedTokens(loadMasterKey({ ...(t.config.masterKey ? { MASTER_KEY: t.config.masterKey } : {}) }));
    host = t.app.get(ProjectionsLifecycle).host!;
  });
  afterAll(async () => {
    await t.close();
    await redis.destroy();
    await dropTemplate();
  });
  afterEach(() => {
    host.invitationScheduler.now = () => new Date();
  });

  const as = (actorId: string) => ({ 'x-actor-id': actorId });
  const address = () => `Invitee.${randomUUID().slice(0, 8)}@Example.COM`;

  async function register(email = address()): Promise<string> {
    const response = await t.request('POST', '/v1/users', { body: { email, password: 'correct horse battery' } });
    expect(response.status).toBe(201);
    return response.body.id as string;
  }

  /** Until the mail branch's verify route is merged: the event its decider appends, through the app's own codec. */
  async function verify(userId: string): Promise<void> {
    const event = await t.app.get(EventCodec).encode({ type: 'UserEmailVerified', data: { userId, verifiedAt: new Date().toISOString() } }, uuidv7(), { occurredAt: new Date().toISOString() });
    await t.app.get<EventStore>(EVENT_STORE).appendToStream(userStream(userId), [event]);
  }

  async function organization() {
    const [owner, admin, member] = [await register(), await register(), await register()];
    const created = await t.request('POST', '/v1/organizations', { body: { name: 'Acme' }, headers: as(owner) });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await t.request('POST', `/v1/organizations/${id}/members`, { body: { userId: admin, role: 'admin' }, headers: as(owner) })).status).toBe(201);
    expect((await t.request('POST', `/v1/organizations/${id}/members`, { body: { userId: member, role: 'member' }, headers: as(owner) })).status).toBe(201);
    return { id, owner, admin, member };
  }

  async function eventsOf(type: string, invitationId: string): Promise<RecordedEvent[]> {
    return (await t.allEvents()).filter((event) => event.type === type && (event.data as { invitationId?: string }).invitationId === invitationId);
  }

  /** The token the mail for the latest issue carries (InvitationCreated or InvitationResent). */
  async function mailedToken(organizationId: string, invitationId: string, issued = 1): Promise<string> {
    // $all shows an event once every older transaction ended: under load, read again until the issue is there.
    let issues: RecordedEvent[] = [];
    for (let attempt = 0; issues.length < issued && attempt < 100; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      issues = [...(await eventsOf('InvitationCreated', invitationId)), ...(await eventsOf('InvitationResent', invitationId))];
    }
    const latest = issues.sort((a, b) => Number(a.revision - b.revision)).at(-1)!;
    return tokens.tokenFor({ purpose: 'invitation', subjectId: organizationId, tokenId: (latest.data as { tokenId: string }).tokenId });
  }

  async function invite(organizationId: string, inviter: string, email: string, body: Record<string, unknown> = {}) {
    const response = await t.request('POST', `/v1/organizations/${organizationId}/invitations`, { body: { email, role: 'member', ...body }, headers: as(inviter) });
    expect(response.status).toBe(201);
    return { invitationId: response.body.id as string, token: await mailedToken(organizationId, response.body.id), response };
  }

  const accept = (token: string, actorId: string) => t.request('POST', '/v1/invitations/accept', { body: { token }, headers: as(actorId) });

  async function list(organizationId: string, after: TestResponse, query = '') {
    const response = await retryWhileLagging(() =>
      t.request('GET', `/v1/organizations/${organizationId}/invitations${query}`, { headers: { 'x-consistent-with': String(after.headers['x-event-position']) } }),
    );
    expect(response.status).toBe(200);
    return response.body as { items: { id: string; email: string | null; role: string; status: string; invitedBy: string }[]; nextCursor: string | null };
  }

  /** Waits until the invitations reaction has seen everything up to the store's head. */
  async function scheduleCaughtUp(): Promise<void> {
    const head = await t.app.get<EventStore>(EVENT_STORE).headPosition();
    expect(await t.app.get(ConsistencyGate).waitFor('invitations', head!, 10_000)).toBe(true);
  }

  test('create: 201 pending with the normalised address, 7 days by default; the list opens the sealed address', async () => {
    const { id, admin } = await organization();
    const email = address();
    const before = Date.now();
    const { invitationId, response } = await invite(id, admin, email);
    expect(response.body).toEqual({ id: invitationId, organizationId: id, email: email.toLowerCase(), role: 'member', status: 'pending', expiresAt: expect.any(String) });
    expect(Date.parse(response.body.expiresAt) - before).toBeGreaterThanOrEqual(7 * DAY - 60_000);
    expect(Date.parse(response.body.expiresAt) - before).toBeLessThanOrEqual(7 * DAY + 60_000);
    const listed = await list(id, response);
    expect(listed.items).toEqual([{ id: invitationId, email: email.toLowerCase(), role: 'member', status: 'pending', invitedBy: admin, createdAt: expect.any(String), expiresAt: response.body.expiresAt }]);
    const { rows } = await t.database.pool.query(`SELECT email FROM invitations WHERE id = $1`, [invitationId]);
    expect(rows[0].email).toMatch(/^enc:v1:/);
    const hours = await t.request('POST', `/v1/organizations/${id}/invitations`, { body: { email: address(), role: 'admin', expiresInHours: 2 }, headers: as(admin) });
    expect(hours.status).toBe(201);
    expect(Date.parse(hours.body.expiresAt) - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);
  });

  test('every rule answers with its code, and changes nothing', async () => {
    const { id, owner, admin, member } = await organization();
    const memberAddress = address();
    const alreadyIn = await register(memberAddress);
    expect((await t.request('POST', `/v1/organizations/${id}/members`, { body: { userId: alreadyIn, role: 'member' }, headers: as(owner) })).status).toBe(201);
    const email = address();
    await invite(id, admin, email);
    const cases: [Record<string, unknown>, string, number, string][] = [
      [{ email: memberAddress.toUpperCase(), role: 'member' }, admin, 409, 'already_member'],
      [{ email: ` ${email.toUpperCase()} `, role: 'admin' }, admin, 409, 'invitation_pending'],
      [{ email: address(), role: 'member' }, member, 403, 'forbidden'],
      [{ email: address(), role: 'owner' }, admin, 403, 'forbidden'],
      [{ email: 'not-an-address', role: 'member' }, admin, 422, 'validation_failed'],
      [{ email: address(), role: 'member', expiresInHours: 721 }, admin, 422, 'validation_failed'],
      [{ email: address(), role: 'root' }, admin, 422, 'validation_failed'],
    ];
    const before = (await t.allEvents()).length;
    for (const [body, actor, status, code] of cases) {
      const response = await t.request('POST', `/v1/organizations/${id}/invitations`, { body, headers: as(actor) });
      expect({ body, status: response.status, code: response.body.code }).toEqual({ body, status, code });
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.text).not.toContain(String(body.email).toLowerCase().trim());
    }
    expect((await t.allEvents()).length).toBe(before);
    const unknown = randomUUID();
    expect((await t.request('POST', `/v1/organizations/${id}/invitations/${unknown}/resend`, { headers: as(admin) })).body.code).toBe('invitation_not_found');
    expect((await t.request('DELETE', `/v1/organizations/${id}/invitations/${unknown}`, { headers: as(admin) })).status).toBe(404);
    expect((await t.request('POST', `/v1/organizations/${randomUUID()}/invitations`, { body: { email: address(), role: 'member' }, headers: as(admin) })).body.code).toBe('organization_not_found');
    expect((await t.request('POST', '/v1/invitations/accept', { body: { token: 'forged' }, headers: as(member) })).status).toBe(404);
    expect((await t.request('POST', '/v1/invitations/accept', { body: { token: 'x' } })).status).toBe(422); // X-Actor-Id
  });

  test('accept: a new user joins after verifying the invited address; the token works once', async () => {
    const { id, admin } = await organization();
    const email = address();
    const { invitationId, token } = await invite(id, admin, email, { role: 'admin' });
    const newcomer = await register(email);
    const unverified = await accept(token, newcomer);
    expect([unverified.status, unverified.body.code]).toEqual([409, 'email_mismatch']);
    await verify(newcomer);
    const joined = await accept(token, newcomer);
    expect(joined.status).toBe(201);
    expect(joined.body).toEqual({ organizationId: id, userId: newcomer, role: 'admin', joinedAt: expect.any(String), invitationId });
    const memberJoined = (await t.allEvents()).find((event) => event.type === 'MemberJoined' && (event.data as { userId: string }).userId === newcomer);
    expect(memberJoined?.data).toMatchObject({ invitationId });
    const again = await accept(token, newcomer);
    expect([again.status, again.body.code]).toEqual([404, 'invitation_not_found']);
    const listed = await list(id, joined);
    expect(listed.items.find((item) => item.id === invitationId)).toMatchObject({ status: 'accepted', role: 'admin' });
    expect((await list(id, joined, '?status=pending')).items.map((item) => item.id)).not.toContain(invitationId);
    const members = await t.request('GET', `/v1/organizations/${id}/members`, { headers: { 'x-consistent-with': String(joined.headers['x-event-position']) } });
    expect(members.body.items.map((item: { userId: string }) => item.userId)).toContain(newcomer);
  });

  test('accept: an existing verified user; someone else with another verified address is refused', async () => {
    const { id, owner } = await organization();
    const email = address();
    const existing = await register(email);
    await verify(existing);
    const stranger = await register();
    await verify(stranger);
    const { token } = await invite(id, owner, email.toUpperCase(), { role: 'owner' });
    expect((await accept(token, stranger)).body.code).toBe('email_mismatch');
    const joined = await accept(token, existing);
    expect(joined.status).toBe(201);
    expect(joined.body.role).toBe('owner');
    expect((await accept(token, existing)).status).toBe(404);
  });

  test('resend: a new token, the old one dead; only while pending', async () => {
    const { id, admin, member } = await organization();
    const email = address();
    const { invitationId, token: first } = await invite(id, admin, email);
    expect((await t.request('POST', `/v1/organizations/${id}/invitations/${invitationId}/resend`, { headers: as(member) })).status).toBe(403);
    const resent = await t.request('POST', `/v1/organizations/${id}/invitations/${invitationId}/resend`, { headers: as(admin) });
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ id: invitationId, status: 'pending' });
    const second = await mailedToken(id, invitationId, 2);
    expect(second).not.toBe(first);
    const invitee = await register(email);
    await verify(invitee);
    expect((await accept(first, invitee)).body.code).toBe('invitation_not_found');
    expect((await accept(second, invitee)).status).toBe(201);
    expect((await accept(second, invitee)).status).toBe(404);
    expect((await t.request('POST', `/v1/organizations/${id}/invitations/${invitationId}/resend`, { headers: as(admin) })).body.code).toBe('invitation_not_pending');
  });

  test('revoke: 204, its token is unknown, a second revoke is 409; the address may be invited again', async () => {
    const { id, admin } = await organization();
    const email = address();
    const { invitationId, token } = await invite(id, admin, email);
    const revoked = await t.request('DELETE', `/v1/organizations/${id}/invitations/${invitationId}`, { headers: as(admin) });
    expect(revoked.status).toBe(204);
    const invitee = await register(email);
    await verify(invitee);
    expect((await accept(token, invitee)).body.code).toBe('invitation_not_found');
    expect((await t.request('DELETE', `/v1/organizations/${id}/invitations/${invitationId}`, { headers: as(admin) })).body.code).toBe('invitation_not_pending');
    expect((await list(id, revoked)).items.find((item) => item.id === invitationId)?.status).toBe('revoked');
    const again = await invite(id, admin, email);
    expect((await accept(again.token, invitee)).status).toBe(201);
  });

  test('expiry: the schedule expires a due invitation with nobody asking (injected clock); its token is then 410', async () => {
    const { id, admin } = await organization();
    const email = address();
    const { invitationId, token } = await invite(id, admin, email, { expiresInHours: 1 });
    const other = await invite(id, admin, address());
    await scheduleCaughtUp();
    host.invitationScheduler.now = () => new Date(Date.now() + 30 * 60_000);
    expect((await host.invitationScheduler.sweep()).expired).toBe(0);
    host.invitationScheduler.now = () => new Date(Date.now() + 2 * 3_600_000);
    expect((await host.invitationScheduler.sweep()).expired).toBeGreaterThanOrEqual(1); // earlier tests' short ones too
    expect(await host.invitationScheduler.sweep()).toEqual({ expired: 0, destroyed: 0 });
    const [expired] = await eventsOf('InvitationExpired', invitationId);
    expect(expired?.metadata).toMatchObject({ service: 'invitations' });
    const invitee = await register(email);
    await verify(invitee);
    const late = await accept(token, invitee);
    expect([late.status, late.body.code]).toEqual([410, 'invitation_expired']);
    const position = await t.app.get<EventStore>(EVENT_STORE).headPosition();
    const listed = await t.request('GET', `/v1/organizations/${id}/invitations?status=expired`, { headers: { 'x-consistent-with': `${position!.commit}-${position!.prepare}` } });
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([invitationId]);
    expect(parsePosition(`${position!.commit}-${position!.prepare}`)).toBeDefined();
    // The other one (7 days) is still pending; the address may be invited again at once.
    expect((await eventsOf('InvitationExpired', other.invitationId)).length).toBe(0);
    expect((await t.request('POST', `/v1/organizations/${id}/invitations`, { body: { email, role: 'member' }, headers: as(admin) })).status).toBe(201);
  });

  test('retention: an ended invitation keeps its address (sealed) for INVITATION_RETENTION_DAYS, then its key is destroyed', async () => {
    const { id, admin } = await organization();
    const { invitationId, response } = await invite(id, admin, address());
    const revoked = await t.request('DELETE', `/v1/organizations/${id}/invitations/${invitationId}`, { headers: as(admin) });
    expect(revoked.status).toBe(204);
    await scheduleCaughtUp();
    host.invitationScheduler.now = () => new Date(Date.now() + 29 * DAY);
    await host.invitationScheduler.sweep();
    expect((await list(id, revoked)).items.find((item) => item.id === invitationId)?.email).toBe(response.body.email);
    host.invitationScheduler.now = () => new Date(Date.now() + 31 * DAY);
    expect((await host.invitationScheduler.sweep()).destroyed).toBeGreaterThanOrEqual(1);
    expect((await list(id, revoked)).items.find((item) => item.id === invitationId)?.email).toBeNull();
    const { rows } = await t.database.pool.query(`SELECT 1 FROM data_keys WHERE subject_id = $1`, [invitationId]);
    expect(rows).toEqual([]);
  });

  test('erasing a person shreds their invitations: the ones they accepted, and the pending ones to their address', async () => {
    const acme = await organization();
    const globex = await organization();
    const email = address();
    const person = await register(email);
    await verify(person);
    const accepted = await invite(acme.id, acme.admin, email);
    expect((await accept(accepted.token, person)).status).toBe(201);
    const pending = await invite(globex.id, globex.admin, email);
    await scheduleCaughtUp();
    const erased = await t.request('DELETE', `/v1/users/${person}`, { headers: as(person) });
    expect(erased.status).toBe(202);
    const { rows } = await t.database.pool.query(`SELECT subject_id FROM data_keys WHERE subject_id = ANY ($1::text[])`, [[accepted.invitationId, pending.invitationId]]);
    expect(rows).toEqual([]);
    expect((await list(acme.id, erased)).items.find((item) => item.id === accepted.invitationId)?.email).toBeNull();
    expect((await list(globex.id, erased)).items.find((item) => item.id === pending.invitationId)?.email).toBeNull();
    const { rows: records } = await t.database.pool.query(`SELECT 1 FROM idempotency_records WHERE response_body::text ILIKE $1`, [`%${email}%`]);
    expect(records).toEqual([]);
  });

  test('no address, token or token hash in logs, events outside their sealed fields, Redis or plain columns', async () => {
    const { id, admin } = await organization();
    const email = address();
    const { invitationId, token } = await invite(id, admin, email);
    const resent = await t.request('POST', `/v1/organizations/${id}/invitations/${invitationId}/resend`, { headers: as(admin) });
    expect(resent.status).toBe(200);
    const second = await mailedToken(id, invitationId, 2);
    const invitee = await register();
    await verify(invitee);
    await accept(token, invitee); // refused (another address, an old token): logged
    await accept(second, invitee);
    await list(id, resent);
    const created = (await eventsOf('InvitationCreated', invitationId))[0]!;
    for (const field of ['email', 'emailHash', 'tokenHash']) expect((created.data as Record<string, string>)[field]).toMatch(/^enc:v1:/);
    // The create response shows the address (API.md): its stored copy is sealed with the invitation's key, which the
    // invitee's erasure or the retention reaction destroys (the erasure test).
    const { rows: records } = await t.database.pool.query(`SELECT response_body FROM idempotency_records WHERE subject_id = $1`, [invitationId]);
    expect(records).toEqual([{ response_body: { $sealed: { subject: invitationId, sealed: expect.stringMatching(/^enc:v1:/) } } }]);
    const stored = (await everyStoredByte(t)).toLowerCase();
    for (const value of [email.toLowerCase(), token, second, hashEmailedToken(token), hashEmailedToken(second)]) {
      expect({ value, found: stored.includes(value.toLowerCase()) }).toEqual({ value, found: false });
    }
  });
});
