import type { DomainEvent } from '@accounts/event-codec';
import { INTEGRATION_EVENT_TYPES } from './integration-event';
import { toIntegrationEvents } from './to-integration-events';

/**
 * A realistic history: people register with addresses, log in from addresses, get mailed tokens, run organizations
 * with names, invite by address and are erased. Every payload it publishes is searched for any of that.
 */
const ids = Array.from({ length: 6 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);
const [ada, bob, org, invitation, session, token] = ids as [string, string, string, string, string, string];
const AT = '2026-12-01T22:00:00.000Z';
const EXPIRES = '2026-12-08T22:00:00.000Z';
const PERSONAL = {
  adaEmail: 'ada.lovelace@example.com',
  bobEmail: 'Bob+Work@Example.ORG',
  ipv4: '203.0.113.42',
  ipv6: '2001:db8::7334',
  tokenHash: 'q3JtZ5x9cW1oVnR0a2VuaGFzaF9mb3JfbWFpbA',
  passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
  sessionTokenHash: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  paymentMethod: 'pm_1Q2w3E4r5T6y',
  orgName: 'Ada Lovelace Consulting',
  avatar: 'https://cdn.example.com/avatars/ada.png',
};

const domain: DomainEvent[] = [
  { type: 'UserRegistered', data: { userId: ada, email: PERSONAL.adaEmail, passwordHash: PERSONAL.passwordHash, registeredAt: AT } },
  { type: 'EmailReserved', data: { userId: ada, at: AT } },
  { type: 'EmailVerificationIssued', data: { userId: ada, tokenId: token, tokenHash: PERSONAL.tokenHash, expiresAt: EXPIRES, issuedAt: AT } },
  { type: 'UserEmailVerified', data: { userId: ada, verifiedAt: AT } },
  { type: 'UserLoggedIn', data: { userId: ada, sessionId: session, tokenHash: PERSONAL.sessionTokenHash, expiresAt: EXPIRES, ip: PERSONAL.ipv4, at: AT } },
  { type: 'UserLoggedIn', data: { userId: ada, sessionId: session, tokenHash: PERSONAL.sessionTokenHash, expiresAt: EXPIRES, ip: PERSONAL.ipv6, at: AT } },
  { type: 'UserAvatarChanged', data: { userId: ada, avatarUrl: PERSONAL.avatar, objectKey: 'avatars/ada.png', changedAt: AT } },
  { type: 'UserRegistered', data: { userId: bob, email: PERSONAL.bobEmail, passwordHash: PERSONAL.passwordHash, registeredAt: AT } },
  { type: 'UserEmailChanged', data: { userId: bob, email: PERSONAL.bobEmail.toLowerCase(), changedAt: AT } },
  { type: 'PasswordResetRequested', data: { userId: bob, tokenId: token, tokenHash: PERSONAL.tokenHash, expiresAt: EXPIRES, requestedAt: AT } },
  { type: 'UserPasswordChanged', data: { userId: bob, passwordHash: PERSONAL.passwordHash, changedAt: AT } },
  { type: 'OrganizationCreated', data: { organizationId: org, name: PERSONAL.orgName, plan: 'free', ownerId: ada, createdAt: AT } },
  { type: 'OrganizationRenamed', data: { organizationId: org, name: `${PERSONAL.orgName} Ltd`, renamedAt: AT } },
  { type: 'PlanChanged', data: { organizationId: org, plan: 'pro', changedAt: AT } },
  { type: 'PaymentMethodSet', data: { organizationId: org, processor: 'stripe', paymentMethodId: PERSONAL.paymentMethod, setAt: AT } },
  { type: 'OrganizationLogoChanged', data: { organizationId: org, logoUrl: PERSONAL.avatar, objectKey: 'logos/org.png', changedAt: AT } },
  { type: 'MemberJoined', data: { organizationId: org, userId: ada, role: 'owner', joinedAt: AT } },
  { type: 'MemberJoined', data: { organizationId: org, userId: bob, role: 'member', joinedAt: AT, invitationId: invitation } as never },
  { type: 'MemberRoleChanged', data: { organizationId: org, userId: bob, role: 'owner', previousRole: 'member', changedAt: AT } },
  { type: 'OwnershipTransferred', data: { organizationId: org, fromUserId: ada, toUserId: bob, transferredAt: AT } },
  { type: 'MemberLeft', data: { organizationId: org, userId: bob, leftAt: AT } },
  { type: 'MemberRemoved', data: { organizationId: org, userId: ada, reason: 'erased', removedAt: AT } },
  { type: 'MemberRemoved', data: { organizationId: org, userId: bob, byUserId: ada, reason: 'removed', removedAt: AT } },
  { type: 'SessionRevoked', data: { userId: ada, sessionId: session, at: AT } },
  { type: 'AllSessionsRevoked', data: { userId: ada, at: AT } },
  { type: 'UserErased', data: { userId: ada, erasedAt: AT } },
  { type: 'EmailReleased', data: { userId: ada, reason: 'erased', at: AT } },
  // A webhook endpoint's URL and secret are the caller's configuration: only its disabling is published, by id.
  { type: 'WebhookEndpointCreated', data: { webhookId: token, url: PERSONAL.avatar, types: ['user.registered'], secret: PERSONAL.tokenHash, createdAt: AT } },
  { type: 'WebhookSecretRotated', data: { webhookId: token, secret: PERSONAL.tokenHash, previousSecretExpiresAt: AT, rotatedAt: AT } },
  { type: 'WebhookEndpointDisabled', data: { webhookId: token, reason: 'retry_window_exhausted', eventId: `evt_${session}`, failingSince: AT, disabledAt: AT } },
];

// The invitation events: the address and the token hash are there (sealed, or opened by a reader that may open
// them), and must not come out.
const invitations: DomainEvent[] = [
  {
    type: 'InvitationCreated',
    data: {
      organizationId: org, invitationId: invitation, email: PERSONAL.bobEmail, emailHash: PERSONAL.tokenHash, role: 'member', invitedBy: ada, tokenId: token,
      tokenHash: PERSONAL.tokenHash, expiresAt: EXPIRES, createdAt: AT,
    },
  },
  { type: 'InvitationResent', data: { organizationId: org, invitationId: invitation, tokenId: token, tokenHash: PERSONAL.tokenHash, expiresAt: EXPIRES, resentAt: AT } },
  { type: 'InvitationAccepted', data: { organizationId: org, invitationId: invitation, userId: bob, acceptedAt: AT } },
  { type: 'InvitationRevoked', data: { organizationId: org, invitationId: invitation, byUserId: ada, revokedAt: AT } },
  { type: 'InvitationExpired', data: { organizationId: org, invitationId: invitation, expiredAt: AT } },
];

const history: DomainEvent[] = [...domain, ...invitations];
const published = history.flatMap((event, i) => toIntegrationEvents(event, { id: `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`, occurredAt: AT }));
const payloads = published.map((event) => JSON.stringify(event));

describe('integration events carry no personal data', () => {
  it('the scenario publishes every type of the contract (so the search below covers them all)', () => {
    expect(new Set(published.map((event) => event.type))).toEqual(new Set(INTEGRATION_EVENT_TYPES));
  });

  it.each(Object.entries(PERSONAL))('no payload holds the %s from the history', (_, value) => {
    for (const payload of payloads) {
      expect(payload.toLowerCase()).not.toContain(value.toLowerCase());
      expect(payload).not.toContain(JSON.stringify(value).slice(1, -1));
    }
  });

  it('no payload holds anything shaped like an address, an IP, a URL or a hash', () => {
    const patterns = [
      /[^\s"@]+@[^\s"@]+/, // an email address
      /\b\d{1,3}(\.\d{1,3}){3}\b/, // IPv4
      /\b[0-9a-f]{1,4}(:[0-9a-f]{0,4}){2,7}\b/i, // IPv6
      /https?:\/\//, // a URL
      /\$argon2|[0-9a-f]{40,}|[A-Za-z0-9+/_-]{32,}={0,2}/, // a password hash, a hex or base64 digest
    ];
    for (const payload of payloads) {
      // Ids are UUIDs and times ISO-8601: take them out, then nothing personal-looking may remain.
      const rest = payload.replace(/evt_[0-9a-f-]{36}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d\d-\d\dT[\d:.]+Z/g, '');
      for (const pattern of patterns) expect(rest).not.toMatch(pattern);
    }
  });

  it('every data value is an id, a time or an enumerated value', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const time = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
    const enums = new Set(['free', 'pro', 'enterprise', 'owner', 'admin', 'member', 'removed', 'erased', 'left', 'retry_window_exhausted']);
    // webhook.disabled names the integration event that failed: `evt_<uuid>`.
    const eventId = /^evt_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const event of published) {
      for (const value of Object.values(event.data)) {
        expect(typeof value).toBe('string');
        expect(uuid.test(value as string) || eventId.test(value as string) || time.test(value as string) || enums.has(value as string)).toBe(true);
      }
    }
  });
});
