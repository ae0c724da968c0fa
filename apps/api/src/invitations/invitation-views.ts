import type { ActiveOrganization } from '../organizations/organization-handler';

/** An invitation as the command responses show it (its address is the normalised one the command was given). */
export function invitationView(state: ActiveOrganization, invitationId: string, email: string) {
  const entry = state.invitations[invitationId]!;
  return { id: invitationId, organizationId: state.organizationId, email, role: entry.role, status: entry.status, expiresAt: entry.expiresAt };
}
