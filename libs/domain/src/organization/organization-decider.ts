import { type Actor, requireActiveActor } from '../shared/actor';
import { DomainError } from '../shared/domain-error';
import { parseOrganizationName, parsePaymentMethod, parsePlan, parseRole, type Role } from '../shared/organization-values';
import type { OrganizationCommand } from './organization-commands';
import type { OrganizationEvent } from './organization-events';
import { evolveOrganization, foldOrganization, initialOrganizationState, memberOf, type OrganizationState, ownerCount } from './organization-state';

type Organization = Extract<OrganizationState, { status: 'active' }>;

const RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1 };

const forbidden = (what: string) => new DomainError('forbidden', `You may not ${what} in this organization.`);
const userNotFound = () => new DomainError('user_not_found', 'No such user.');
const notAMember = () => new DomainError('not_a_member', 'That user is not a member of this organization.');
const billingOwnerProtected = () =>
  new DomainError('billing_owner_protected', 'The billing owner stays an owner and a member until ownership is transferred.');

function existing(state: OrganizationState): Organization {
  if (state.status !== 'active') throw new DomainError('organization_not_found', 'No such organization.');
  return state;
}

/** The actor's role; non-members (and requests without an actor) may do nothing. */
function actorRole(org: Organization, actorId: string | undefined, what: string): Role {
  const role = actorId === undefined ? undefined : memberOf(org, actorId)?.role;
  if (!role) throw forbidden(what);
  return role;
}

function requireAtLeast(org: Organization, actorId: string | undefined, role: Role, what: string): Role {
  const actual = actorRole(org, actorId, what);
  if (RANK[actual] < RANK[role]) throw forbidden(what);
  return actual;
}

/** Changing someone's membership: admins handle admins and members; only owners touch the owner role. */
function requireMayManage(org: Organization, actorId: string | undefined, targetRole: Role | undefined, newRole: Role | undefined, what: string): void {
  const role = requireAtLeast(org, actorId, 'admin', what);
  if ((targetRole === 'owner' || newRole === 'owner') && role !== 'owner') throw forbidden(what);
}

function requireBillingOwner(org: Organization, actorId: string | undefined, what: string): void {
  if (org.ownerId !== actorId) throw forbidden(what);
}

/** Ending or demoting `userId`'s ownership must leave the organization an owner, and never touch the billing owner. */
function guardOwnership(org: Organization, userId: string): void {
  if (userId === org.ownerId) throw billingOwnerProtected();
  if (memberOf(org, userId)?.role === 'owner' && ownerCount(org) <= 1) {
    throw new DomainError('last_owner', 'An organization always keeps an owner.');
  }
}

/** Erased users are never members, owners or actors: a fact about another user, gathered by the handler. */
function requireActiveUser(isActive: boolean): void {
  if (!isActive) throw userNotFound();
}

type Command<T extends OrganizationCommand['type']> = Extract<OrganizationCommand, { type: T }>;

function createOrganization(command: Command<'CreateOrganization'>, state: OrganizationState, actorId: string | undefined): OrganizationEvent[] {
  const { organizationId, now } = command.data;
  const name = parseOrganizationName(command.data.name);
  const plan = parsePlan(command.data.plan ?? 'free');
  if (state.status !== 'none') {
    throw new DomainError('validation_failed', 'This organization id is already taken.', [{ field: 'organizationId', message: 'already taken' }]);
  }
  if (actorId === undefined) throw forbidden('create an organization');
  return [
    { type: 'OrganizationCreated', data: { organizationId, name, plan, ownerId: actorId, createdAt: now } },
    { type: 'MemberJoined', data: { organizationId, userId: actorId, role: 'owner', joinedAt: now } },
  ];
}

function renameOrganization(command: Command<'RenameOrganization'>, org: Organization, actorId: string | undefined): OrganizationEvent[] {
  requireAtLeast(org, actorId, 'admin', 'rename the organization');
  const name = parseOrganizationName(command.data.name);
  if (name === org.name) return [];
  return [{ type: 'OrganizationRenamed', data: { organizationId: org.organizationId, name, renamedAt: command.data.now } }];
}

function changePlan(command: Command<'ChangePlan'>, org: Organization, actorId: string | undefined): OrganizationEvent[] {
  requireBillingOwner(org, actorId, 'change the plan');
  const plan = parsePlan(command.data.plan);
  if (plan === org.plan) return [];
  return [{ type: 'PlanChanged', data: { organizationId: org.organizationId, plan, changedAt: command.data.now } }];
}

function transferOwnership(command: Command<'TransferOwnership'>, org: Organization, actorId: string | undefined): OrganizationEvent[] {
  const { newOwnerId, newOwnerIsActive, now } = command.data;
  const organizationId = org.organizationId;
  requireBillingOwner(org, actorId, 'transfer ownership');
  requireActiveUser(newOwnerIsActive);
  const member = memberOf(org, newOwnerId);
  if (!member) throw notAMember();
  if (newOwnerId === org.ownerId) return [];
  const events: OrganizationEvent[] = [
    { type: 'OwnershipTransferred', data: { organizationId, fromUserId: org.ownerId, toUserId: newOwnerId, transferredAt: now } },
  ];
  if (member.role !== 'owner') {
    events.push({ type: 'MemberRoleChanged', data: { organizationId, userId: newOwnerId, role: 'owner', previousRole: member.role, changedAt: now } });
  }
  return events;
}

function setPaymentMethod(command: Command<'SetPaymentMethod'>, org: Organization, actorId: string | undefined): OrganizationEvent[] {
  // The value is checked first: card data is refused whoever sends it, and never reaches an event.
  const { processor, paymentMethodId } = parsePaymentMethod(command.data.processor, command.data.paymentMethodId);
  requireAtLeast(org, actorId, 'owner', 'set the payment method');
  return [{ type: 'PaymentMethodSet', data: { organizationId: org.organizationId, processor, paymentMethodId, setAt: command.data.now } }];
}

function setLogo(command: Command<'SetLogo'>, org: Organization, actorId: string | undefined): OrganizationEvent[] {
  const { logoUrl, objectKey, now } = command.data;
  requireAtLeast(org, actorId, 'admin', 'change the logo');
  if (logoUrl === org.logoUrl) return [];
  return [{ type: 'OrganizationLogoChanged', data: { organizationId: org.organizationId, logoUrl, objectKey, changedAt: now } }];
}

function addMember(command: Command<'AddMember'>, org: Organization, actorId: string | undefined): OrganizationEvent[] {
  const { userId, userIsActive, now } = command.data;
  const role = parseRole(command.data.role);
  requireMayManage(org, actorId, undefined, role, 'add members');
  requireActiveUser(userIsActive);
  if (memberOf(org, userId)) throw new DomainError('already_member', 'That user is already a member of this organization.');
  return [{ type: 'MemberJoined', data: { organizationId: org.organizationId, userId, role, joinedAt: now } }];
}

function changeMemberRole(command: Command<'ChangeMemberRole'>, org: Organization, actorId: string | undefined): OrganizationEvent[] {
  const { userId, now } = command.data;
  const role = parseRole(command.data.role);
  const member = memberOf(org, userId);
  requireMayManage(org, actorId, member?.role, role, 'change roles');
  if (!member) throw notAMember();
  if (member.role === role) return [];
  if (member.role === 'owner') guardOwnership(org, userId);
  return [{ type: 'MemberRoleChanged', data: { organizationId: org.organizationId, userId, role, previousRole: member.role, changedAt: now } }];
}

function removeMember(command: Command<'RemoveMember'>, org: Organization, actorId: string | undefined): OrganizationEvent[] {
  const { userId, now } = command.data;
  const organizationId = org.organizationId;
  const member = memberOf(org, userId);
  if (userId === actorId) {
    // Leaving: any member may, except the billing owner and the last owner.
    if (!member) throw forbidden('leave');
    guardOwnership(org, userId);
    return [{ type: 'MemberLeft', data: { organizationId, userId, leftAt: now } }];
  }
  requireMayManage(org, actorId, member?.role, undefined, 'remove members');
  if (!member) throw notAMember();
  guardOwnership(org, userId);
  return [{ type: 'MemberRemoved', data: { organizationId, userId, ...(actorId ? { byUserId: actorId } : {}), reason: 'removed', removedAt: now } }];
}

function removeErasedMember(command: Command<'RemoveErasedMember'>, org: Organization): OrganizationEvent[] {
  const { userId, now } = command.data;
  if (!memberOf(org, userId)) return [];
  guardOwnership(org, userId);
  return [{ type: 'MemberRemoved', data: { organizationId: org.organizationId, userId, reason: 'erased', removedAt: now } }];
}

/** The organization's rules, memberships included. Pure: no clock, no I/O. */
export function decideOrganization(command: OrganizationCommand, state: OrganizationState): OrganizationEvent[] {
  // An erased or unknown actor is refused before anything is decided on their behalf.
  const actor: Actor | undefined = 'actor' in command ? command.actor : undefined;
  if (actor) requireActiveActor(actor);
  const actorId = actor?.userId;
  if (command.type === 'CreateOrganization') return createOrganization(command, state, actorId);

  const org = existing(state);
  switch (command.type) {
    case 'RenameOrganization':
      return renameOrganization(command, org, actorId);
    case 'ChangePlan':
      return changePlan(command, org, actorId);
    case 'TransferOwnership':
      return transferOwnership(command, org, actorId);
    case 'SetPaymentMethod':
      return setPaymentMethod(command, org, actorId);
    case 'SetLogo':
      return setLogo(command, org, actorId);
    case 'AddMember':
      return addMember(command, org, actorId);
    case 'ChangeMemberRole':
      return changeMemberRole(command, org, actorId);
    case 'RemoveMember':
      return removeMember(command, org, actorId);
    case 'RemoveErasedMember':
      return removeErasedMember(command, org);
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled organization command ${(unhandled as OrganizationCommand).type}`);
    }
  }
}

export const organizationDecider = { decide: decideOrganization, evolve: evolveOrganization, fold: foldOrganization, initialState: initialOrganizationState };
