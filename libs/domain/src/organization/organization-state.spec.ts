import type { OrganizationEvent } from './organization-events';
import { foldOrganization, initialOrganizationState, memberCount, memberOf, membersOf, type OrganizationState } from './organization-state';

const organizationId = 'o';
const at = '2026-12-01T00:00:00.000Z';
const created: OrganizationEvent = { type: 'OrganizationCreated', data: { organizationId, name: 'Acme', plan: 'free', ownerId: 'u0', createdAt: at } };
const joined = (userId: string, role: 'owner' | 'admin' | 'member' = 'member'): OrganizationEvent => ({ type: 'MemberJoined', data: { organizationId, userId, role, joinedAt: at } });
const active = (state: OrganizationState) => {
  if (state.status !== 'active') throw new Error('no organization');
  return state;
};

describe('organization state', () => {
  const people = Array.from({ length: 2_000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const big = active(foldOrganization(initialOrganizationState(), [created, joined('u0', 'owner'), ...people.map((id) => joined(id))]));

  test('a fold never changes the state it was given, however many members share it', () => {
    const before = JSON.stringify(big);
    const after = active(
      foldOrganization(big, [
        joined('newcomer'),
        { type: 'MemberRoleChanged', data: { organizationId, userId: people[0]!, role: 'admin', previousRole: 'member', changedAt: at } },
        { type: 'MemberRemoved', data: { organizationId, userId: people[1]!, reason: 'removed', removedAt: at } },
      ]),
    );
    expect(JSON.stringify(big)).toBe(before);
    expect([memberOf(after, 'newcomer')?.role, memberOf(after, people[0]!)?.role, memberOf(after, people[1]!)]).toEqual(['member', 'admin', undefined]);
    expect([memberOf(big, 'newcomer'), memberOf(big, people[0]!)?.role, memberOf(big, people[1]!)?.role]).toEqual([undefined, 'member', 'member']);
    expect([memberCount(big), memberCount(after)]).toEqual([2_001, 2_001]);
  });

  test('the count follows joins, repeated joins, removals and departures of people who are not members', () => {
    const state = active(
      foldOrganization(big, [
        joined(people[2]!), // already a member: replaced, not counted twice
        { type: 'MemberLeft', data: { organizationId, userId: 'never-joined', leftAt: at } },
        { type: 'MemberLeft', data: { organizationId, userId: people[3]!, leftAt: at } },
      ]),
    );
    expect(memberCount(state)).toBe(2_000);
    expect(Object.keys(membersOf(state))).toHaveLength(2_000);
  });

  test('a state read back from JSON (a snapshot) folds on as the one it was written from', () => {
    const revived = JSON.parse(JSON.stringify(big)) as OrganizationState;
    const events = [joined('late'), { type: 'MemberLeft', data: { organizationId, userId: people[5]!, leftAt: at } } as OrganizationEvent];
    expect(foldOrganization(revived, events)).toEqual(foldOrganization(big, events));
  });
});
