import type { Plan } from '@accounts/domain';
import { aggregateIdOf } from '../runtime/projected-event';
import type { TableProjection } from './table-projection';

export interface OrganizationRow {
  id: string;
  name: string;
  plan: Plan;
  owner_id: string;
  member_count: number;
  logo_url: string | null;
  payment_processor: string | null;
  /** Still sealed with the organization's data key: a credential-like secret. */
  payment_method_id: string | null;
  created_at: string;
}

type OrganizationTableEvent =
  | 'OrganizationCreated'
  | 'OrganizationRenamed'
  | 'PlanChanged'
  | 'OwnershipTransferred'
  | 'PaymentMethodSet'
  | 'OrganizationLogoChanged'
  | 'MemberJoined'
  | 'MemberRemoved'
  | 'MemberLeft';

/**
 * `organizations`: one row per organization. `member_count` counts membership events: the organization's stream
 * decides memberships, so a MemberJoined is always for a non-member and a MemberRemoved or MemberLeft for a member
 * (organization-decider's spec), and the count equals the organization's rows in `memberships`.
 */
export const organizationsProjection: TableProjection<OrganizationRow, OrganizationTableEvent> = {
  canHandle: ['OrganizationCreated', 'OrganizationRenamed', 'PlanChanged', 'OwnershipTransferred', 'PaymentMethodSet', 'OrganizationLogoChanged', 'MemberJoined', 'MemberRemoved', 'MemberLeft'],
  keyOf: aggregateIdOf,
  evolve(organization, event) {
    if (event.type === 'OrganizationCreated') {
      if (organization) return organization; // an id is created once; a second creation changes nothing
      const { name, plan, ownerId, createdAt } = event.data;
      return { id: aggregateIdOf(event), name, plan, owner_id: ownerId.toLowerCase(), member_count: 0, logo_url: null, payment_processor: null, payment_method_id: null, created_at: createdAt };
    }
    if (!organization) return undefined; // a change to an organization this table never saw created
    switch (event.type) {
      case 'OrganizationRenamed':
        return { ...organization, name: event.data.name };
      case 'PlanChanged':
        return { ...organization, plan: event.data.plan };
      case 'OwnershipTransferred':
        return { ...organization, owner_id: event.data.toUserId.toLowerCase() };
      case 'PaymentMethodSet':
        return { ...organization, payment_processor: event.data.processor, payment_method_id: event.data.paymentMethodId };
      case 'OrganizationLogoChanged':
        return { ...organization, logo_url: event.data.logoUrl };
      case 'MemberJoined':
        return { ...organization, member_count: organization.member_count + 1 };
      case 'MemberRemoved':
      case 'MemberLeft':
        return { ...organization, member_count: organization.member_count - 1 };
      default:
        return event satisfies never;
    }
  },
};
