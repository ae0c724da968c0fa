import { z } from 'zod';
import type { ActiveOrganization } from '../organizations/organization-handler';

const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;

/** An invitation as the command responses show it; resending leaves the address out (the command was not given it). */
export const InvitationResponse = z.object({
  id: z.uuid(),
  organizationId: z.uuid(),
  email: z.string().optional(),
  role: z.string(),
  status: z.enum(INVITATION_STATUSES),
  expiresAt: z.iso.datetime(),
});

/** An invitation as the command responses show it (its address is the normalised one the command was given). */
export function invitationView(state: ActiveOrganization, invitationId: string, email?: string): z.infer<typeof InvitationResponse> {
  const entry = state.invitations[invitationId]!;
  return { id: invitationId, organizationId: state.organizationId, ...(email !== undefined ? { email } : {}), role: entry.role, status: entry.status, expiresAt: entry.expiresAt };
}
