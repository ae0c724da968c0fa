import type { Plan, Role } from '../shared/organization-values';

/**
 * Events of an organization's stream (`organization-<organizationId>`), memberships included: "at least one owner"
 * and "the billing owner is an owner" are rules of one organization, so they are decided on one stream.
 */
export type OrganizationEvent =
  | { type: 'OrganizationCreated'; data: { organizationId: string; name: string; plan: Plan; ownerId: string; createdAt: string } }
  | { type: 'OrganizationRenamed'; data: { organizationId: string; name: string; renamedAt: string } }
  | { type: 'PlanChanged'; data: { organizationId: string; plan: Plan; changedAt: string } }
  | { type: 'OwnershipTransferred'; data: { organizationId: string; fromUserId: string; toUserId: string; transferredAt: string } }
  | { type: 'PaymentMethodSet'; data: { organizationId: string; processor: string; paymentMethodId: string; setAt: string } }
  | { type: 'OrganizationLogoChanged'; data: { organizationId: string; logoUrl: string; objectKey: string; changedAt: string } }
  | { type: 'MemberJoined'; data: { organizationId: string; userId: string; role: Role; joinedAt: string } }
  | { type: 'MemberRoleChanged'; data: { organizationId: string; userId: string; role: Role; previousRole: Role; changedAt: string } }
  | { type: 'MemberRemoved'; data: { organizationId: string; userId: string; byUserId?: string; reason: 'removed' | 'erased'; removedAt: string } }
  | { type: 'MemberLeft'; data: { organizationId: string; userId: string; leftAt: string } };
