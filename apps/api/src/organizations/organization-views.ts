import { z } from 'zod';
import { memberCount, memberOf } from '@accounts/domain';
import type { ActiveOrganization } from './organization-handler';

export const OrganizationResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  plan: z.enum(['free', 'pro', 'enterprise']),
  ownerId: z.uuid(),
  memberCount: z.number().int(),
  logoUrl: z.string().nullable(),
});

export const MembershipResponse = z.object({ organizationId: z.uuid(), userId: z.uuid(), role: z.string(), joinedAt: z.iso.datetime() });

/** The organization as command responses show it. Never the payment method reference. */
export function organizationView(state: ActiveOrganization) {
  return {
    id: state.organizationId,
    name: state.name,
    plan: state.plan,
    ownerId: state.ownerId,
    memberCount: memberCount(state),
    logoUrl: state.logoUrl ?? null,
  };
}

/** A membership as command responses show it; `userId` is lower case, as the organization's state keys it. */
export function membershipView(state: ActiveOrganization, userId: string) {
  const member = memberOf(state, userId)!;
  return { organizationId: state.organizationId, userId, role: member.role, joinedAt: member.joinedAt };
}
