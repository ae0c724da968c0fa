import type { Actor } from '../shared/actor';
import { deciderSpecification } from '../testing/decider-specification';
import type { OrganizationCommand } from './organization-commands';
import type { OrganizationEvent } from './organization-events';
import { organizationDecider } from './organization-decider';

const spec = deciderSpecification(organizationDecider);
const organizationId = '7f8d9c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6';
const [billing, coOwner, admin, member, outsider, newcomer] = ['u-billing', 'u-co-owner', 'u-admin', 'u-member', 'u-outsider', 'u-newcomer'];
const now = '2026-11-24T10:00:00.000Z';

const joined = (userId: string, role: 'owner' | 'admin' | 'member'): OrganizationEvent => ({
  type: 'MemberJoined',
  data: { organizationId, userId, role, joinedAt: now },
});
const created: OrganizationEvent[] = [
  { type: 'OrganizationCreated', data: { organizationId, name: 'Acme', plan: 'free', ownerId: billing, createdAt: now } },
  joined(billing, 'owner'),
];
const team = [...created, joined(coOwner, 'owner'), joined(admin, 'admin'), joined(member, 'member')];

/** An active user acting (the handler's fact). */
const by = (userId: string): Actor => ({ userId, isActive: true, mayManageUsers: false });
const add = (actorId: string, userId: string, role: string, userIsActive = true): OrganizationCommand => ({
  type: 'AddMember',
  data: { userId, role, userIsActive, now },
  actor: by(actorId),
});
const changeRole = (actorId: string, userId: string, role: string): OrganizationCommand => ({
  type: 'ChangeMemberRole',
  data: { userId, role, now },
  actor: by(actorId),
});
const remove = (actorId: string, userId: string): OrganizationCommand => ({ type: 'RemoveMember', data: { userId, now }, actor: by(actorId) });
const transfer = (actorId: string, newOwnerId: string, newOwnerIsActive = true): OrganizationCommand => ({
  type: 'TransferOwnership',
  data: { newOwnerId, newOwnerIsActive, now },
  actor: by(actorId),
});

describe('organization decider', () => {
  describe('CreateOrganization', () => {
    test('the actor becomes billing owner and an owner member, in one decision; plan defaults to free', () =>
      spec
        .given([])
        .when({ type: 'CreateOrganization', data: { organizationId, name: '  Acme ', now }, actor: by(billing) })
        .then(created));

    test('name must be 1 to 100 characters after trimming; plan must be known', () => {
      const create = (name: string, plan?: string): OrganizationCommand => ({
        type: 'CreateOrganization',
        data: { organizationId, name, ...(plan ? { plan } : {}), now },
        actor: by(billing),
      });
      spec.given([]).when(create('   ')).thenThrows('validation_failed');
      spec.given([]).when(create('x'.repeat(101))).thenThrows('validation_failed');
      spec.given([]).when(create('x'.repeat(100), 'enterprise')).then([
        { type: 'OrganizationCreated', data: { organizationId, name: 'x'.repeat(100), plan: 'enterprise', ownerId: billing, createdAt: now } },
        joined(billing, 'owner'),
      ]);
      spec.given([]).when(create('Acme', 'platinum')).thenThrows('validation_failed');
    });

    test('an actor that does not exist or was erased cannot create one', () =>
      spec
        .given([])
        .when({ type: 'CreateOrganization', data: { organizationId, name: 'Acme', now }, actor: { ...by(outsider), isActive: false } })
        .thenThrows('user_not_found'));
  });

  test('commands on a missing organization', () =>
    spec.given([]).when(add(billing, newcomer, 'member')).thenThrows('organization_not_found'));

  describe('who may do what', () => {
    test('owners and admins add members and admins; only owners add owners', () => {
      spec.given(team).when(add(admin, newcomer, 'admin')).then([joined(newcomer, 'admin')]);
      spec.given(team).when(add(coOwner, newcomer, 'owner')).then([joined(newcomer, 'owner')]);
      spec.given(team).when(add(admin, newcomer, 'owner')).thenThrows('forbidden');
      spec.given(team).when(add(member, newcomer, 'member')).thenThrows('forbidden');
      spec.given(team).when(add(outsider, newcomer, 'member')).thenThrows('forbidden');
    });

    test('admins rename; members do not', () => {
      spec
        .given(team)
        .when({ type: 'RenameOrganization', data: { name: 'Acme Corp', now }, actor: by(admin) })
        .then([{ type: 'OrganizationRenamed', data: { organizationId, name: 'Acme Corp', renamedAt: now } }]);
      spec.given(team).when({ type: 'RenameOrganization', data: { name: 'Acme Corp', now }, actor: by(member) }).thenThrows('forbidden');
    });

    test('admins re-role members and admins, but never to or from owner', () => {
      spec.given(team).when(changeRole(admin, member, 'admin')).then([
        { type: 'MemberRoleChanged', data: { organizationId, userId: member, role: 'admin', previousRole: 'member', changedAt: now } },
      ]);
      spec.given(team).when(changeRole(admin, member, 'owner')).thenThrows('forbidden');
      spec.given(team).when(changeRole(admin, coOwner, 'member')).thenThrows('forbidden');
      spec.given(team).when(changeRole(coOwner, admin, 'owner')).then([
        { type: 'MemberRoleChanged', data: { organizationId, userId: admin, role: 'owner', previousRole: 'admin', changedAt: now } },
      ]);
    });

    test('members may only leave', () => {
      spec.given(team).when(remove(member, member)).then([{ type: 'MemberLeft', data: { organizationId, userId: member, leftAt: now } }]);
      spec.given(team).when(remove(member, admin)).thenThrows('forbidden');
    });

    test('admins remove members and admins; only owners remove owners', () => {
      spec.given(team).when(remove(admin, member)).then([
        { type: 'MemberRemoved', data: { organizationId, userId: member, byUserId: admin, reason: 'removed', removedAt: now } },
      ]);
      spec.given(team).when(remove(admin, coOwner)).thenThrows('forbidden');
      spec.given(team).when(remove(billing, coOwner)).then([
        { type: 'MemberRemoved', data: { organizationId, userId: coOwner, byUserId: billing, reason: 'removed', removedAt: now } },
      ]);
    });
  });

  describe('erased and unknown users', () => {
    const gone = (command: OrganizationCommand): OrganizationCommand => ('actor' in command ? { ...command, actor: { ...command.actor, isActive: false } } : command);

    test('are never actors: refused before anything is decided, even for a member of long standing', () => {
      spec.given(team).when(gone(add(billing, newcomer, 'member'))).thenThrows('user_not_found');
      spec.given(team).when(gone(remove(member, member))).thenThrows('user_not_found');
      spec.given(team).when(gone({ type: 'RenameOrganization', data: { name: 'Gone Inc', now }, actor: by(admin) })).thenThrows('user_not_found');
      spec.given([]).when(gone(add(billing, newcomer, 'member'))).thenThrows('user_not_found');
    });

    test('are never members-to-be', () => spec.given(team).when(add(billing, newcomer, 'member', false)).thenThrows('user_not_found'));

    test('never receive ownership, even while still a member (an erasure under way)', () =>
      spec.given(team).when(transfer(billing, member, false)).thenThrows('user_not_found'));

    test('users:manage is about users: it gives no power in an organization', () =>
      spec.given(team).when({ type: 'RenameOrganization', data: { name: 'Support Inc', now }, actor: { ...by(outsider), mayManageUsers: true } }).thenThrows('forbidden'));

    test('a command without an actor is refused', () =>
      spec.given(team).when({ type: 'RenameOrganization', data: { name: 'Nobody Inc', now }, actor: { userId: undefined, isActive: false, mayManageUsers: true } }).thenThrows('forbidden'));
  });

  describe('membership rules', () => {
    test('a user is a member at most once', () => spec.given(team).when(add(billing, member, 'admin')).thenThrows('already_member'));
    test('re-roling or removing a non-member is not_a_member', () => {
      spec.given(team).when(changeRole(billing, outsider, 'admin')).thenThrows('not_a_member');
      spec.given(team).when(remove(billing, outsider)).thenThrows('not_a_member');
    });
    test('the same role changes nothing', () => spec.given(team).when(changeRole(admin, member, 'member')).then([]));
  });

  describe('the billing owner', () => {
    test('cannot be removed, leave, or be demoted until ownership is transferred', () => {
      spec.given(team).when(remove(coOwner, billing)).thenThrows('billing_owner_protected');
      spec.given(team).when(remove(billing, billing)).thenThrows('billing_owner_protected');
      spec.given(team).when(changeRole(coOwner, billing, 'admin')).thenThrows('billing_owner_protected');
      spec.given(team).when({ type: 'RemoveErasedMember', data: { userId: billing, now } }).thenThrows('billing_owner_protected');
    });

    test('alone changes the plan; the same plan changes nothing', () => {
      spec
        .given(team)
        .when({ type: 'ChangePlan', data: { plan: 'pro', now }, actor: by(billing) })
        .then([{ type: 'PlanChanged', data: { organizationId, plan: 'pro', changedAt: now } }]);
      spec.given(team).when({ type: 'ChangePlan', data: { plan: 'pro', now }, actor: by(coOwner) }).thenThrows('forbidden');
      spec.given(team).when({ type: 'ChangePlan', data: { plan: 'free', now }, actor: by(billing) }).then([]);
    });

    test('transfers ownership to a member, who becomes owner; then may leave', () => {
      const transferred: OrganizationEvent[] = [
        { type: 'OwnershipTransferred', data: { organizationId, fromUserId: billing, toUserId: member, transferredAt: now } },
        { type: 'MemberRoleChanged', data: { organizationId, userId: member, role: 'owner', previousRole: 'member', changedAt: now } },
      ];
      spec.given(team).when(transfer(billing, member)).then(transferred);
      spec.given([...team, ...transferred]).when(remove(billing, billing)).then([{ type: 'MemberLeft', data: { organizationId, userId: billing, leftAt: now } }]);
      spec.given(team).when(transfer(billing, outsider)).thenThrows('not_a_member');
      spec.given(team).when(transfer(coOwner, member)).thenThrows('forbidden');
    });
  });

  describe('payment method', () => {
    const setPayment = (paymentMethodId: string, actorId = billing): OrganizationCommand => ({
      type: 'SetPaymentMethod',
      data: { processor: 'stripe', paymentMethodId, now },
      actor: by(actorId),
    });

    test('stores the processor reference id', () =>
      spec.given(team).when(setPayment('pm_1NvXk2LkdIwHu7ix')).then([
        { type: 'PaymentMethodSet', data: { organizationId, processor: 'stripe', paymentMethodId: 'pm_1NvXk2LkdIwHu7ix', setAt: now } },
      ]));

    test('refuses anything that looks like a card number, and never repeats it', () => {
      for (const card of ['4242424242424242', '4242 4242 4242 4242', '4242-4242-4242-4242', 'pm_4000056655665556']) {
        spec.given(team).when(setPayment(card)).thenThrows('raw_card_data_rejected', (error) => expect(error.message).not.toContain('4242'));
      }
    });

    test('admins and members may not set it', () => spec.given(team).when(setPayment('pm_x', admin)).thenThrows('forbidden'));
  });
});
