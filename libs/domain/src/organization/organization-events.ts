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
  /** `invitationId`: the invitation this membership was accepted from, when it was. */
  | { type: 'MemberJoined'; data: { organizationId: string; userId: string; role: Role; joinedAt: string; invitationId?: string } }
  | { type: 'MemberRoleChanged'; data: { organizationId: string; userId: string; role: Role; previousRole: Role; changedAt: string } }
  | { type: 'MemberRemoved'; data: { organizationId: string; userId: string; byUserId?: string; reason: 'removed' | 'erased'; removedAt: string } }
  | { type: 'MemberLeft'; data: { organizationId: string; userId: string; leftAt: string } }
  /**
   * Invitations. `email` (the normalised address) and `tokenHash` are sealed with the invitation's own data key
   * (personal-data.ts): the invitee may not be a user, and the key is destroyed once the invitation has ended and its
   * retention passed. `emailHash` (a keyed hash of the address, sealed too) is what "one pending invitation per
   * address" compares; `tokenId` lets the mail projector recreate the token (libs/privacy emailed-token.ts).
   */
  | {
      type: 'InvitationCreated';
      data: {
        organizationId: string;
        invitationId: string;
        email: string;
        emailHash: string;
        role: Role;
        invitedBy: string;
        tokenId: string;
        tokenHash: string;
        expiresAt: string;
        createdAt: string;
      };
    }
  | { type: 'InvitationResent'; data: { organizationId: string; invitationId: string; tokenId: string; tokenHash: string; expiresAt: string; resentAt: string } }
  | { type: 'InvitationRevoked'; data: { organizationId: string; invitationId: string; byUserId: string; revokedAt: string } }
  | { type: 'InvitationAccepted'; data: { organizationId: string; invitationId: string; userId: string; acceptedAt: string } }
  | { type: 'InvitationExpired'; data: { organizationId: string; invitationId: string; expiredAt: string } };
