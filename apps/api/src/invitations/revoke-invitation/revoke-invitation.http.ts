import { Controller } from '@nestjs/common';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { Envelope, respond } from '../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { PathId } from '../../http/ids';
import { OrganizationHandler } from '../../organizations/organization-handler';

/** `DELETE /v1/organizations/{id}/invitations/{invitationId}` (event `InvitationRevoked`): its token is dead. */
export const RevokeInvitationRoute = defineRoute({
  id: 'revokeInvitation',
  summary: 'Revoke a pending invitation (event InvitationRevoked)',
  method: 'DELETE',
  path: '/v1/organizations/:id/invitations/:invitationId',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId, invitationId: PathId },
  responses: { 204: null },
  errors: ['organization_not_found', 'invitation_not_found', 'invitation_not_pending', 'forbidden'],
});

@Controller()
export class RevokeInvitationHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @Route(RevokeInvitationRoute)
  async revoke(@Input() { params: { id, invitationId } }: RouteInput<typeof RevokeInvitationRoute>, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.organizations.handle(id, { type: 'RevokeInvitation', data: { invitationId, now: envelope.now } }, envelope);
    return respond(undefined, outcome);
  }
}
