import type { Plan, Role } from '../shared/organization-values';
import type { OrganizationEvent } from './organization-events';
import { applyInvitationEvent, type InvitationEntry, type Invitations, isInvitationEvent } from './invitation-state';

export type OrganizationState =
  | { status: 'none' }
  | {
      status: 'active';
      organizationId: string;
      name: string;
      plan: Plan;
      /** The billing owner (`owner_id`). */
      ownerId: string;
      members: Readonly<Record<string, { role: Role; joinedAt: string }>>;
      logoUrl: string | undefined;
      paymentMethod: { processor: string; paymentMethodId: string } | undefined;
      /** Invitations by id, ended ones included (invitation-state.ts). */
      invitations: Invitations;
    };

export const initialOrganizationState = (): OrganizationState => ({ status: 'none' });

/**
 * Folds events into a state, linear in their number: the fold takes one copy of the state and changes that copy in
 * place. Evolving event by event would copy the member map at every join, which is quadratic: an organization of
 * 20,000 members would take minutes to load. The state passed in is never changed.
 */
export function foldOrganization(state: OrganizationState, events: readonly OrganizationEvent[]): OrganizationState {
  let draft = state.status === 'active' ? { ...state, members: { ...state.members }, invitations: { ...state.invitations } } : state;
  for (const event of events) draft = applyOrganizationEvent(draft, event);
  return draft;
}

export function evolveOrganization(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  return foldOrganization(state, [event]);
}

/**
 * One event applied to the fold's own copy (see foldOrganization): its member map may be changed in place, but a
 * member's entry is replaced, never changed, since the entries are shared with the state the fold started from.
 */
function applyOrganizationEvent(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  if (event.type === 'OrganizationCreated') {
    const { organizationId, name, plan, ownerId } = event.data;
    return { status: 'active', organizationId, name, plan, ownerId, members: {}, logoUrl: undefined, paymentMethod: undefined, invitations: {} };
  }
  if (state.status !== 'active') return state;
  if (isInvitationEvent(event)) {
    applyInvitationEvent(state.invitations as Record<string, InvitationEntry>, event);
    return state;
  }
  const members = state.members as Record<string, { role: Role; joinedAt: string }>;
  switch (event.type) {
    case 'OrganizationRenamed':
      state.name = event.data.name;
      break;
    case 'PlanChanged':
      state.plan = event.data.plan;
      break;
    case 'OwnershipTransferred':
      state.ownerId = event.data.toUserId;
      break;
    case 'PaymentMethodSet':
      state.paymentMethod = { processor: event.data.processor, paymentMethodId: event.data.paymentMethodId };
      break;
    case 'OrganizationLogoChanged':
      state.logoUrl = event.data.logoUrl;
      break;
    case 'MemberJoined':
      members[event.data.userId] = { role: event.data.role, joinedAt: event.data.joinedAt };
      break;
    case 'MemberRoleChanged': {
      const member = members[event.data.userId];
      if (member) members[event.data.userId] = { ...member, role: event.data.role };
      break;
    }
    case 'MemberRemoved':
    case 'MemberLeft':
      delete members[event.data.userId];
      break;
  }
  return state;
}

export function ownerCount(state: Extract<OrganizationState, { status: 'active' }>): number {
  return Object.values(state.members).filter((member) => member.role === 'owner').length;
}
