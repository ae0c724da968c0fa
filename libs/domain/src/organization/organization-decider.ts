import { type Actor, requireActiveActor } from '../shared/actor';
import { DomainError, invalid } from '../shared/domain-error';
import { parseEmail } from '../shared/email';
import { parseOrganizationName, parsePaymentMethod, parsePlan, parseRole, type Role } from '../shared/organization-values';
import type { OrganizationCommand } from './organization-commands';
import type { OrganizationEvent } from './organization-events';
import type { InvitationEntry } from './invitation-state';
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

/** An invitation is valid for 7 days unless the inviter says otherwise, and for 30 at most (API.md). */
export const DEFAULT_INVITATION_HOURS = 7 * 24;
export const MAX_INVITATION_HOURS = 30 * 24;

/** What a sealed field reads as once its key was destroyed (libs/privacy's ERASED_VALUE): it matches nothing. */
const SHREDDED = '[erased]';
const invitationNotFound = () => new DomainError('invitation_not_found', 'No such invitation.');
const invitationNotPending = () => new DomainError('invitation_not_pending', 'That invitation is no longer pending.');
const hoursLater = (now: string, hours: number) => new Date(Date.parse(now) + hours * 3_600_000).toISOString();
/** Pending, and not yet due: an invitation past its time is as good as expired even before the schedule says so. */
const isLive = (entry: InvitationEntry | undefined, now: string): entry is InvitationEntry =>
  entry?.status === 'pending' && entry.expiresAt > now && !isShredded(entry);
/** Its key was destroyed (the invitee was erased): nothing can be sealed for it again, so it can only end. */
const isShredded = (entry: InvitationEntry) => entry.emailHash === SHREDDED;

function createInvitation(command: Command<'CreateInvitation'>, org: Organization, actorId: string | undefined): OrganizationEvent[] {
  const { invitationId, emailHash, token, addressHolderId, now } = command.data;
  const role = parseRole(command.data.role);
  const email = parseEmail(command.data.email);
  const hours = command.data.expiresInHours ?? DEFAULT_INVITATION_HOURS;
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_INVITATION_HOURS) throw invalid('expiresInHours', `a whole number of hours from 1 to ${MAX_INVITATION_HOURS}`);
  // Who may invite whom is who may add whom.
  requireMayManage(org, actorId, undefined, role, 'invite members');
  if (addressHolderId !== undefined && memberOf(org, addressHolderId)) throw new DomainError('already_member', 'That address belongs to a member of this organization.');
  if (org.invitations[invitationId]) throw invalid('invitationId', 'already taken');
  const organizationId = org.organizationId;
  const events: OrganizationEvent[] = [];
  for (const [otherId, other] of Object.entries(org.invitations)) {
    if (other.status !== 'pending' || other.emailHash !== emailHash) continue;
    if (isLive(other, now)) throw new DomainError('invitation_pending', 'An invitation to that address is already pending.');
    // Due but not yet expired by the schedule: it ends here, so one address never has two pending invitations.
    events.push({ type: 'InvitationExpired', data: { organizationId, invitationId: otherId, expiredAt: now } });
  }
  const { tokenId, tokenHash } = token;
  events.push({
    type: 'InvitationCreated',
    data: { organizationId, invitationId, email, emailHash, role, invitedBy: actorId!, tokenId, tokenHash, expiresAt: hoursLater(now, hours), createdAt: now },
  });
  return events;
}

/** The invitation an admin acts on: admins handle invitations to admin and member, owners those to owner too. */
function managedInvitation(org: Organization, actorId: string | undefined, invitationId: string, what: string): InvitationEntry {
  requireAtLeast(org, actorId, 'admin', what);
  const entry = org.invitations[invitationId];
  if (!entry) throw invitationNotFound();
  requireMayManage(org, actorId, undefined, entry.role, what);
  return entry;
}

function resendInvitation(command: Command<'ResendInvitation'>, org: Organization, actorId: string | undefined): OrganizationEvent[] {
  const { invitationId, token, now } = command.data;
  const entry = managedInvitation(org, actorId, invitationId, 'resend invitations');
  if (!isLive(entry, now)) throw invitationNotPending();
  const { tokenId, tokenHash } = token;
  return [{ type: 'InvitationResent', data: { organizationId: org.organizationId, invitationId, tokenId, tokenHash, expiresAt: hoursLater(now, DEFAULT_INVITATION_HOURS), resentAt: now } }];
}

function revokeInvitation(command: Command<'RevokeInvitation'>, org: Organization, actorId: string | undefined): OrganizationEvent[] {
  const { invitationId, now } = command.data;
  const entry = managedInvitation(org, actorId, invitationId, 'revoke invitations');
  if (entry.status !== 'pending') throw invitationNotPending();
  return [{ type: 'InvitationRevoked', data: { organizationId: org.organizationId, invitationId, byUserId: actorId!, revokedAt: now } }];
}

/**
 * The invitee joins with the mailed token. Used, revoked, replaced (by a resend) and unknown tokens get one answer,
 * 404; an expired one 410. The actor's verified address must be the invited one (compared by keyed hash).
 */
function acceptInvitation(command: Command<'AcceptInvitation'>, org: Organization, actorId: string | undefined): OrganizationEvent[] {
  const { tokenId, tokenHash, actorEmailVerified, actorEmailHash, now } = command.data;
  if (actorId === undefined) throw forbidden('accept invitations');
  const found = Object.entries(org.invitations).find(([, entry]) => entry.tokenId === tokenId);
  if (!found) throw invitationNotFound();
  const [invitationId, entry] = found;
  if (isShredded(entry)) throw invitationNotFound();
  if (entry.status === 'expired' || (entry.status === 'pending' && !isLive(entry, now))) {
    throw new DomainError('invitation_expired', 'That invitation has expired.');
  }
  if (entry.status !== 'pending' || entry.tokenHash !== tokenHash) throw invitationNotFound();
  if (memberOf(org, actorId)) throw new DomainError('already_member', 'You are already a member of this organization.');
  if (!actorEmailVerified || actorEmailHash !== entry.emailHash) {
    throw new DomainError('email_mismatch', 'Your verified email address is not the one this invitation was sent to.');
  }
  const organizationId = org.organizationId;
  return [
    { type: 'InvitationAccepted', data: { organizationId, invitationId, userId: actorId, acceptedAt: now } },
    { type: 'MemberJoined', data: { organizationId, userId: actorId, role: entry.role, joinedAt: now, invitationId } },
  ];
}

function expireInvitation(command: Command<'ExpireInvitation'>, org: Organization): OrganizationEvent[] {
  const { invitationId, now } = command.data;
  const entry = org.invitations[invitationId];
  // Resent (later due), accepted, revoked or already expired: nothing to do, so the schedule may run it twice. A
  // shredded one (the invitee was erased) ends now.
  if (entry?.status !== 'pending' || isLive(entry, now)) return [];
  return [{ type: 'InvitationExpired', data: { organizationId: org.organizationId, invitationId, expiredAt: now } }];
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
    case 'CreateInvitation':
      return createInvitation(command, org, actorId);
    case 'ResendInvitation':
      return resendInvitation(command, org, actorId);
    case 'RevokeInvitation':
      return revokeInvitation(command, org, actorId);
    case 'AcceptInvitation':
      return acceptInvitation(command, org, actorId);
    case 'ExpireInvitation':
      return expireInvitation(command, org);
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled organization command ${(unhandled as OrganizationCommand).type}`);
    }
  }
}

export const organizationDecider = { decide: decideOrganization, evolve: evolveOrganization, fold: foldOrganization, initialState: initialOrganizationState };
