import type { DomainEvent } from '@accounts/event-codec';
import { INTEGRATION_EVENT_TYPES, type IntegrationEvent } from './integration-event';
import { integrationEventId, integrationEventsOf, sourceTypesOf, type StoredFacts, toIntegrationEvents } from './to-integration-events';

const USER = '0b5f4f6e-6a0e-4c47-9a57-3f1a2b9d0c11';
const OTHER = '7d2c1e55-9f0a-4b8e-8c3d-1a2b3c4d5e6f';
const ORG = 'c0ffee00-1234-4abc-8def-0123456789ab';
const INVITATION = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const STORED_ID = '5e1d0c2b-3a49-4f58-8e67-7d8c9b0a1f2e';
const AT = '2026-12-01T22:00:00.000Z';
const stored: StoredFacts = { id: STORED_ID, occurredAt: AT };

/** Given a stored domain event, when it is mapped, then these integration events come out. */
function given(event: DomainEvent, facts: StoredFacts = stored) {
  return {
    then(expected: Array<Omit<IntegrationEvent, 'id' | 'occurredAt'>>): void {
      expect(toIntegrationEvents(event, facts)).toEqual(expected.map((e, i) => ({ id: integrationEventId(facts.id, i), occurredAt: facts.occurredAt, ...e })));
    },
  };
}

describe('integration events: the mapping from domain events', () => {
  it('user.registered carries the user id, not the address or the password hash', () => {
    given({ type: 'UserRegistered', data: { userId: USER, email: 'ada@example.com', passwordHash: 'sealed:hash', registeredAt: AT } }).then([
      { type: 'user.registered', version: 1, data: { userId: USER } },
    ]);
  });

  it('user.email_changed and user.email_verified carry the user id only', () => {
    given({ type: 'UserEmailChanged', data: { userId: USER, email: 'new@example.com', changedAt: AT } }).then([
      { type: 'user.email_changed', version: 1, data: { userId: USER } },
    ]);
    given({ type: 'UserEmailVerified', data: { userId: USER, verifiedAt: AT } }).then([{ type: 'user.email_verified', version: 1, data: { userId: USER } }]);
  });

  it('user.erased is published for an erased person', () => {
    given({ type: 'UserErased', data: { userId: USER, erasedAt: AT } }).then([{ type: 'user.erased', version: 1, data: { userId: USER } }]);
  });

  it('an erased person\'s earlier events still map, with ids only (their personal fields read "[erased]")', () => {
    given({ type: 'UserRegistered', data: { userId: USER, email: '[erased]', passwordHash: 'sealed', registeredAt: AT } }).then([
      { type: 'user.registered', version: 1, data: { userId: USER } },
    ]);
  });

  it('organization events carry ids and the plan, never the name', () => {
    given({ type: 'OrganizationCreated', data: { organizationId: ORG, name: 'Ada Lovelace Consulting', plan: 'pro', ownerId: USER, createdAt: AT } }).then([
      { type: 'organization.created', version: 1, data: { organizationId: ORG, ownerId: USER, plan: 'pro' } },
    ]);
    given({ type: 'OrganizationRenamed', data: { organizationId: ORG, name: 'Acme', renamedAt: AT } }).then([
      { type: 'organization.renamed', version: 1, data: { organizationId: ORG } },
    ]);
    given({ type: 'PlanChanged', data: { organizationId: ORG, plan: 'enterprise', changedAt: AT } }).then([
      { type: 'organization.plan_changed', version: 1, data: { organizationId: ORG, plan: 'enterprise' } },
    ]);
    given({ type: 'OwnershipTransferred', data: { organizationId: ORG, fromUserId: USER, toUserId: OTHER, transferredAt: AT } }).then([
      { type: 'organization.ownership_transferred', version: 1, data: { organizationId: ORG, fromUserId: USER, toUserId: OTHER } },
    ]);
  });

  it('membership.created carries the role, and the invitation when the member joined through one', () => {
    given({ type: 'MemberJoined', data: { organizationId: ORG, userId: OTHER, role: 'member', joinedAt: AT } }).then([
      { type: 'membership.created', version: 1, data: { organizationId: ORG, userId: OTHER, role: 'member' } },
    ]);
    const joinedByInvitation = { organizationId: ORG, userId: OTHER, role: 'admin' as const, joinedAt: AT, invitationId: INVITATION };
    given({ type: 'MemberJoined', data: joinedByInvitation }).then([
      { type: 'membership.created', version: 1, data: { organizationId: ORG, userId: OTHER, role: 'admin', invitationId: INVITATION } },
    ]);
  });

  it('membership.role_changed carries both roles', () => {
    given({ type: 'MemberRoleChanged', data: { organizationId: ORG, userId: OTHER, role: 'admin', previousRole: 'member', changedAt: AT } }).then([
      { type: 'membership.role_changed', version: 1, data: { organizationId: ORG, userId: OTHER, role: 'admin', previousRole: 'member' } },
    ]);
  });

  it('membership.removed tells a removal, an erasure and a departure apart', () => {
    given({ type: 'MemberRemoved', data: { organizationId: ORG, userId: OTHER, byUserId: USER, reason: 'removed', removedAt: AT } }).then([
      { type: 'membership.removed', version: 1, data: { organizationId: ORG, userId: OTHER, reason: 'removed', byUserId: USER } },
    ]);
    given({ type: 'MemberRemoved', data: { organizationId: ORG, userId: OTHER, reason: 'erased', removedAt: AT } }).then([
      { type: 'membership.removed', version: 1, data: { organizationId: ORG, userId: OTHER, reason: 'erased' } },
    ]);
    given({ type: 'MemberLeft', data: { organizationId: ORG, userId: OTHER, leftAt: AT } }).then([
      { type: 'membership.removed', version: 1, data: { organizationId: ORG, userId: OTHER, reason: 'left' } },
    ]);
  });

  it('invitation events carry ids, the role and the expiry; never the address or the token; a resend publishes nothing', () => {
    const created: DomainEvent = {
      type: 'InvitationCreated',
      data: {
        organizationId: ORG, invitationId: INVITATION, email: 'sealed-email', emailHash: 'keyed-hash', role: 'member', invitedBy: USER, tokenId: 'tok-1', tokenHash: 'sealed-hash',
        expiresAt: '2026-12-08T22:00:00.000Z', createdAt: AT,
      },
    };
    given(created).then([
      { type: 'invitation.created', version: 1, data: { organizationId: ORG, invitationId: INVITATION, role: 'member', invitedBy: USER, expiresAt: '2026-12-08T22:00:00.000Z' } },
    ]);
    given({ type: 'InvitationAccepted', data: { organizationId: ORG, invitationId: INVITATION, userId: OTHER, acceptedAt: AT } }).then([
      { type: 'invitation.accepted', version: 1, data: { organizationId: ORG, invitationId: INVITATION, userId: OTHER } },
    ]);
    given({ type: 'InvitationRevoked', data: { organizationId: ORG, invitationId: INVITATION, byUserId: USER, revokedAt: AT } }).then([
      { type: 'invitation.revoked', version: 1, data: { organizationId: ORG, invitationId: INVITATION, byUserId: USER } },
    ]);
    given({ type: 'InvitationExpired', data: { organizationId: ORG, invitationId: INVITATION, expiredAt: AT } }).then([
      { type: 'invitation.expired', version: 1, data: { organizationId: ORG, invitationId: INVITATION } },
    ]);
    given({ type: 'InvitationResent', data: { organizationId: ORG, invitationId: INVITATION, tokenId: 'tok-2', tokenHash: 'sealed-hash', expiresAt: AT, resentAt: AT } }).then([]);
  });

  it('of what the codec read, a domain event maps as it is; a foreign or undecodable one publishes nothing', () => {
    const recorded = { id: STORED_ID, metadata: { occurredAt: AT } };
    const accepted: DomainEvent = { type: 'InvitationAccepted', data: { organizationId: ORG, invitationId: INVITATION, userId: OTHER, acceptedAt: AT } };
    expect(integrationEventsOf({ kind: 'domain', event: accepted }, recorded)).toEqual(toIntegrationEvents(accepted, { id: STORED_ID, occurredAt: AT }));
    expect(integrationEventsOf({ kind: 'foreign' }, recorded)).toEqual([]);
    expect(integrationEventsOf({ kind: 'undecodable', reason: 'InvitationAccepted: invitationId missing' }, recorded)).toEqual([]);
  });

  it('events other services are not told about publish nothing', () => {
    given({ type: 'UserLoggedIn', data: { userId: USER, sessionId: OTHER, tokenHash: 'h', expiresAt: AT, ip: '203.0.113.7', at: AT } }).then([]);
    given({ type: 'PaymentMethodSet', data: { organizationId: ORG, processor: 'stripe', paymentMethodId: 'pm_1', setAt: AT } }).then([]);
    given({ type: 'EmailReserved', data: { userId: USER, at: AT } }).then([]);
  });

  it('the id is derived from the stored event id alone: the same stored event always has the same id, two never share one', () => {
    const event: DomainEvent = { type: 'UserErased', data: { userId: USER, erasedAt: AT } };
    const first = toIntegrationEvents(event, stored);
    expect(toIntegrationEvents(event, { ...stored })).toEqual(first);
    expect(first[0]!.id).toBe(`evt_${STORED_ID}`);
    expect(toIntegrationEvents(event, { id: OTHER, occurredAt: AT })[0]!.id).not.toBe(first[0]!.id);
  });

  it('occurredAt is the stored command time', () => {
    const later = { id: STORED_ID, occurredAt: '2026-12-02T01:02:03.004Z' };
    expect(toIntegrationEvents({ type: 'UserErased', data: { userId: USER, erasedAt: AT } }, later)[0]!.occurredAt).toBe(later.occurredAt);
  });

  it('a reader of the store filters on the source types of the types it asked for', () => {
    expect(sourceTypesOf(['membership.removed']).sort()).toEqual(['MemberLeft', 'MemberRemoved']);
    expect(sourceTypesOf(['user.registered', 'invitation.expired']).sort()).toEqual(['InvitationExpired', 'UserRegistered']);
    // Every published type has a source: none is listed in the contract and never produced.
    for (const type of INTEGRATION_EVENT_TYPES) expect(sourceTypesOf([type]).length).toBeGreaterThan(0);
  });
});
