import fc from 'fast-check';
import type { Actor } from '../shared/actor';
import { DomainError } from '../shared/domain-error';
import type { OrganizationCommand } from './organization-commands';
import { organizationDecider } from './organization-decider';
import { memberCount, memberOf, membersOf, type OrganizationState } from './organization-state';

const people = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
const roles = ['owner', 'admin', 'member'];
const now = '2026-11-24T10:00:00.000Z';
const by = (userId: string): Actor => ({ userId, isActive: true, mayManageUsers: false });

const commandArbitrary: fc.Arbitrary<OrganizationCommand> = fc.oneof(
  fc.record({ actorId: fc.constantFrom(...people), userId: fc.constantFrom(...people), role: fc.constantFrom(...roles) }).map(
    ({ actorId, userId, role }): OrganizationCommand => ({ type: 'AddMember', data: { userId, role, userIsActive: true, now }, actor: by(actorId) }),
  ),
  fc.record({ actorId: fc.constantFrom(...people), userId: fc.constantFrom(...people), role: fc.constantFrom(...roles) }).map(
    ({ actorId, userId, role }): OrganizationCommand => ({ type: 'ChangeMemberRole', data: { userId, role, now }, actor: by(actorId) }),
  ),
  fc.record({ actorId: fc.constantFrom(...people), userId: fc.constantFrom(...people) }).map(
    ({ actorId, userId }): OrganizationCommand => ({ type: 'RemoveMember', data: { userId, now }, actor: by(actorId) }),
  ),
  fc.record({ actorId: fc.constantFrom(...people), userId: fc.constantFrom(...people) }).map(
    ({ actorId, userId }): OrganizationCommand => ({ type: 'TransferOwnership', data: { newOwnerId: userId, newOwnerIsActive: true, now }, actor: by(actorId) }),
  ),
  fc.constantFrom(...people).map((userId): OrganizationCommand => ({ type: 'RemoveErasedMember', data: { userId, now } })),
);

test('property: whatever commands arrive, the organization keeps an owner and the billing owner is an owner member', () => {
  fc.assert(
    fc.property(fc.array(commandArbitrary, { maxLength: 60 }), (commands) => {
      let state: OrganizationState = organizationDecider.initialState();
      const create: OrganizationCommand = { type: 'CreateOrganization', data: { organizationId: 'o', name: 'Acme', now }, actor: by('p0') };
      for (const event of organizationDecider.decide(create, state)) state = organizationDecider.evolve(state, event);
      for (const command of commands) {
        try {
          for (const event of organizationDecider.decide(command, state)) state = organizationDecider.evolve(state, event);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error; // a refusal is fine; anything else is a bug
        }
        if (state.status !== 'active') return false;
        const members = Object.values(membersOf(state));
        if (!members.some((member) => member.role === 'owner')) return false;
        if (memberOf(state, state.ownerId)?.role !== 'owner') return false;
        if (memberCount(state) !== members.length) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
});
