import type { Plan, Role } from '../shared/organization-values';
import type { OrganizationEvent } from './organization-events';

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
    };

export const initialOrganizationState = (): OrganizationState => ({ status: 'none' });

export function evolveOrganization(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  if (event.type === 'OrganizationCreated') {
    const { organizationId, name, plan, ownerId } = event.data;
    return { status: 'active', organizationId, name, plan, ownerId, members: {}, logoUrl: undefined, paymentMethod: undefined };
  }
  if (state.status !== 'active') return state;
  switch (event.type) {
    case 'OrganizationRenamed':
      return { ...state, name: event.data.name };
    case 'PlanChanged':
      return { ...state, plan: event.data.plan };
    case 'OwnershipTransferred':
      return { ...state, ownerId: event.data.toUserId };
    case 'PaymentMethodSet':
      return { ...state, paymentMethod: { processor: event.data.processor, paymentMethodId: event.data.paymentMethodId } };
    case 'OrganizationLogoChanged':
      return { ...state, logoUrl: event.data.logoUrl };
    case 'MemberJoined':
      return { ...state, members: { ...state.members, [event.data.userId]: { role: event.data.role, joinedAt: event.data.joinedAt } } };
    case 'MemberRoleChanged': {
      const member = state.members[event.data.userId];
      if (!member) return state;
      return { ...state, members: { ...state.members, [event.data.userId]: { ...member, role: event.data.role } } };
    }
    case 'MemberRemoved':
    case 'MemberLeft': {
      const { [event.data.userId]: _gone, ...rest } = state.members;
      return { ...state, members: rest };
    }
  }
}

export function ownerCount(state: Extract<OrganizationState, { status: 'active' }>): number {
  return Object.values(state.members).filter((member) => member.role === 'owner').length;
}
