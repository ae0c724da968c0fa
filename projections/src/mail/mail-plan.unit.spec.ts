import { randomUUID } from 'node:crypto';
import type { ProjectedEvent } from '../runtime/projected-event';
import { eventStream } from '../testing/projected-events';
import { planMail } from './mail-plan';
import { messageIdFor, renderMail } from './mail-templates';
import { classifyDeliveryError } from './mail-transport';

const t0 = '2026-12-01T10:00:00.000Z';
const expiresAt = '2026-12-02T10:00:00.000Z';
const tokenFields = { tokenId: randomUUID(), tokenHash: 'enc:v1:sealed', expiresAt };

/** An invitation event of the invite work's shape, as the decoder will hand it once the codec declares it. */
function invitationEvent(type: 'InvitationCreated' | 'InvitationResent', data: Record<string, unknown>, revision: bigint): ProjectedEvent {
  const organizationId = data.organizationId as string;
  return {
    kind: 'domain',
    id: randomUUID(),
    type,
    streamName: `organization-${organizationId}`,
    revision,
    position: { commit: 100n + revision, prepare: 100n + revision },
    metadata: { occurredAt: t0 },
    data,
  } as unknown as ProjectedEvent;
}

describe('mail plan', () => {
  test('a registration and an email change point at the event that carries the address; nothing is mailed by them', () => {
    const userId = randomUUID();
    const user = eventStream(`user-${userId}`);
    expect(planMail(user.event('UserRegistered', { userId, email: 'ada@example.com', passwordHash: 'enc:v1:h', registeredAt: t0 }))).toEqual([
      { address: { key: `user:${userId}`, stream: `user-${userId}`, revision: 0n } },
    ]);
    expect(planMail(user.event('UserEmailChanged', { userId, email: 'ada@new.example', changedAt: t0 }))).toEqual([
      { address: { key: `user:${userId}`, stream: `user-${userId}`, revision: 1n } },
    ]);
  });

  test('a verification and a reset each ask for one mail to the user, with ids only', () => {
    const userId = randomUUID();
    const user = eventStream(`user-${userId}`);
    const issued = user.event('EmailVerificationIssued', { userId, ...tokenFields, issuedAt: t0 });
    const reset = user.event('PasswordResetRequested', { userId, ...tokenFields, requestedAt: t0 });
    const [verification] = planMail(issued);
    const [resetMail] = planMail(reset);
    expect(verification).toEqual({
      mail: {
        eventId: issued.id,
        eventType: 'EmailVerificationIssued',
        streamName: `user-${userId}`,
        position: issued.position,
        kind: 'email-verification',
        subjectId: userId,
        tokenId: tokenFields.tokenId,
        expiresAt,
        addressKey: `user:${userId}`,
      },
    });
    expect(resetMail).toMatchObject({ mail: { kind: 'password-reset', eventId: reset.id, addressKey: `user:${userId}` } });
    expect(JSON.stringify([verification, resetMail], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).not.toContain('enc:v1');
  });

  test("an invitation points at its own address and mails it; a resend mails the same invitee with the new token", () => {
    const organizationId = randomUUID();
    const invitationId = randomUUID();
    const created = invitationEvent('InvitationCreated', { organizationId, invitationId, email: 'guest@example.com', role: 'member', invitedBy: randomUUID(), ...tokenFields, createdAt: t0 }, 3n);
    const newToken = randomUUID();
    const resent = invitationEvent('InvitationResent', { organizationId, invitationId, tokenId: newToken, tokenHash: 'enc:v1:x', expiresAt, resentAt: t0 }, 4n);
    expect(planMail(created)).toEqual([
      { address: { key: `invitation:${invitationId}`, stream: `organization-${organizationId}`, revision: 3n } },
      { mail: expect.objectContaining({ kind: 'invitation', subjectId: organizationId, tokenId: tokenFields.tokenId, addressKey: `invitation:${invitationId}` }) },
    ]);
    expect(planMail(resent)).toEqual([{ mail: expect.objectContaining({ kind: 'invitation', eventId: resent.id, tokenId: newToken, addressKey: `invitation:${invitationId}` }) }]);
  });

  test('other events, foreign and undecodable ones plan nothing', () => {
    const userId = randomUUID();
    const user = eventStream(`user-${userId}`);
    expect(planMail(user.event('UserEmailVerified', { userId, verifiedAt: t0 }))).toEqual([]);
    expect(planMail(user.raw('PersonalDataRead', { whatever: 1 }))).toEqual([]);
    expect(planMail(user.raw('EmailVerificationIssued', { userId: 'not-an-id' }))).toEqual([]);
  });
});

describe('mail templates', () => {
  const token = 'A'.repeat(87);
  test.each(['email-verification', 'password-reset', 'invitation'] as const)('%s: plain text and HTML carry the link with the token, and its expiry', (kind) => {
    const mail = renderMail({ kind, token, expiresAt, linkBase: 'https://app.example/' });
    expect(mail.subject.length).toBeGreaterThan(5);
    expect(mail.text).toContain(`https://app.example/`);
    expect(mail.text).toContain(`?token=${token}`);
    expect(mail.html).toContain(`?token=${token}`);
    expect(mail.text).toContain('Wed, 02 Dec 2026 10:00:00 GMT');
    expect(mail.html).toMatch(/^<!doctype html>/);
  });

  test('the Message-ID is the event id at the sender domain: the same for every repeat', () => {
    const eventId = randomUUID();
    expect(messageIdFor(eventId, 'Accounts <no-reply@accounts.example>')).toBe(`<${eventId}@accounts.example>`);
    expect(messageIdFor(eventId.toUpperCase(), 'no-reply@accounts.example')).toBe(`<${eventId}@accounts.example>`);
  });
});

describe('delivery errors', () => {
  test('5xx is permanent, 4xx and connection failures temporary; no server text survives', () => {
    const reply = (responseCode: number) => Object.assign(new Error('550 <ada@example.com> no such user'), { responseCode, code: 'EENVELOPE' });
    expect(classifyDeliveryError(reply(550))).toMatchObject({ permanence: 'permanent', reason: 'smtp_550' });
    expect(classifyDeliveryError(reply(451))).toMatchObject({ permanence: 'temporary', reason: 'smtp_451' });
    expect(classifyDeliveryError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNECTION' }))).toMatchObject({ permanence: 'temporary', reason: 'ECONNECTION' });
    expect(classifyDeliveryError(reply(550)).message).not.toContain('ada@example.com');
  });
});
