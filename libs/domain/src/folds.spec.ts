import fc from 'fast-check';
import { organizationDecider } from './organization/organization-decider';
import type { OrganizationEvent } from './organization/organization-events';
import type { OrganizationState } from './organization/organization-state';
import type { Role } from './shared/organization-values';
import { userDecider } from './user/user-decider';
import type { UserEvent } from './user/user-events';
import type { UserState } from './user/user-state';

/**
 * The folds change a copy of the state in place, for speed (see foldUser). These properties pin down what that must
 * never change: folding a history at once gives exactly what evolving it event by event gives, from any point in it,
 * and the state the fold started from is left as it was (it is frozen here, so any write to it throws).
 */
const at = '2026-11-24T10:00:00.000Z';
const people = ['p0', 'p1', 'p2', 'p3'];
const sessionIds = ['s0', 's1', 's2'];

const userEvent: fc.Arbitrary<UserEvent> = fc.oneof(
  fc.constant<UserEvent>({ type: 'UserRegistered', data: { userId: 'u', email: 'a@example.com', passwordHash: 'h0', registeredAt: at } }),
  fc.constantFrom('b@example.com', 'c@example.com').map((email): UserEvent => ({ type: 'UserEmailChanged', data: { userId: 'u', email, changedAt: at } })),
  fc.constantFrom('h1', 'h2').map((passwordHash): UserEvent => ({ type: 'UserPasswordChanged', data: { userId: 'u', passwordHash, changedAt: at } })),
  fc.constantFrom(...sessionIds).map((sessionId): UserEvent => ({ type: 'UserLoggedIn', data: { userId: 'u', sessionId, tokenHash: 't', expiresAt: at, at } })),
  fc.constantFrom(...sessionIds).map((sessionId): UserEvent => ({ type: 'SessionRevoked', data: { userId: 'u', sessionId, at } })),
  fc.constant<UserEvent>({ type: 'AllSessionsRevoked', data: { userId: 'u', at } }),
  fc.constant<UserEvent>({ type: 'UserAvatarChanged', data: { userId: 'u', avatarUrl: 'https://files/a.png', objectKey: 'k', changedAt: at } }),
  fc.constant<UserEvent>({ type: 'UserErased', data: { userId: 'u', erasedAt: at } }),
);

const role = fc.constantFrom<Role>('owner', 'admin', 'member');
const organizationEvent: fc.Arbitrary<OrganizationEvent> = fc.oneof(
  fc.constant<OrganizationEvent>({ type: 'OrganizationCreated', data: { organizationId: 'o', name: 'Acme', plan: 'free', ownerId: 'p0', createdAt: at } }),
  fc.constantFrom('Globex', 'Initech').map((name): OrganizationEvent => ({ type: 'OrganizationRenamed', data: { organizationId: 'o', name, renamedAt: at } })),
  fc.constantFrom('pro' as const, 'enterprise' as const).map((plan): OrganizationEvent => ({ type: 'PlanChanged', data: { organizationId: 'o', plan, changedAt: at } })),
  fc.constantFrom(...people).map((toUserId): OrganizationEvent => ({ type: 'OwnershipTransferred', data: { organizationId: 'o', fromUserId: 'p0', toUserId, transferredAt: at } })),
  fc.constant<OrganizationEvent>({ type: 'PaymentMethodSet', data: { organizationId: 'o', processor: 'stripe', paymentMethodId: 'pm_1', setAt: at } }),
  fc.constant<OrganizationEvent>({ type: 'OrganizationLogoChanged', data: { organizationId: 'o', logoUrl: 'https://files/l.png', objectKey: 'k', changedAt: at } }),
  fc.tuple(fc.constantFrom(...people), role).map(([userId, r]): OrganizationEvent => ({ type: 'MemberJoined', data: { organizationId: 'o', userId, role: r, joinedAt: at } })),
  fc.tuple(fc.constantFrom(...people), role).map(([userId, r]): OrganizationEvent => ({ type: 'MemberRoleChanged', data: { organizationId: 'o', userId, role: r, previousRole: 'member', changedAt: at } })),
  fc.constantFrom(...people).map((userId): OrganizationEvent => ({ type: 'MemberRemoved', data: { organizationId: 'o', userId, reason: 'removed', removedAt: at } })),
  fc.constantFrom(...people).map((userId): OrganizationEvent => ({ type: 'MemberLeft', data: { organizationId: 'o', userId, leftAt: at } })),
  fc.constantFrom('i0', 'i1').map((invitationId): OrganizationEvent => ({
    type: 'InvitationCreated',
    data: { organizationId: 'o', invitationId, email: 'a@example.com', emailHash: 'k', role: 'member', invitedBy: 'p0', tokenId: 't0', tokenHash: 'h0', expiresAt: at, createdAt: at },
  })),
  fc.constantFrom('i0', 'i1').map((invitationId): OrganizationEvent => ({ type: 'InvitationResent', data: { organizationId: 'o', invitationId, tokenId: 't1', tokenHash: 'h1', expiresAt: at, resentAt: at } })),
  fc.constantFrom('i0', 'i1').map((invitationId): OrganizationEvent => ({ type: 'InvitationAccepted', data: { organizationId: 'o', invitationId, userId: 'p3', acceptedAt: at } })),
  fc.constantFrom('i0', 'i1').map((invitationId): OrganizationEvent => ({ type: 'InvitationExpired', data: { organizationId: 'o', invitationId, expiredAt: at } })),
);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function foldMatchesEvolve<S, E>(decider: { evolve(s: S, e: E): S; fold(s: S, events: readonly E[]): S; initialState(): S }, history: E[], split: number): void {
  const cut = Math.min(split, history.length);
  // Where the fold starts: evolved event by event (as a cached state would be), then frozen.
  const start = deepFreeze(history.slice(0, cut).reduce(decider.evolve, decider.initialState()));
  const snapshot = JSON.stringify(start);
  const rest = history.slice(cut);
  expect(decider.fold(start, rest)).toEqual(rest.reduce(decider.evolve, start));
  expect(JSON.stringify(start)).toBe(snapshot);
}

test('property: folding a user history at once equals evolving it event by event, and leaves the starting state alone', () => {
  fc.assert(fc.property(fc.array(userEvent, { maxLength: 40 }), fc.nat(40), (history, split) => foldMatchesEvolve<UserState, UserEvent>(userDecider, history, split)), { numRuns: 500 });
});

test('property: the same for organizations and their members', () => {
  fc.assert(
    fc.property(fc.array(organizationEvent, { maxLength: 40 }), fc.nat(40), (history, split) => foldMatchesEvolve<OrganizationState, OrganizationEvent>(organizationDecider, history, split)),
    { numRuns: 500 },
  );
});
