import { Controller } from '@nestjs/common';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { Envelope, respond } from '../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { PathId } from '../../http/ids';
import { OrganizationHandler } from '../../organizations/organization-handler';
import { InvitationAddresses } from '../invitation-addresses';
import { InvitationResponse, invitationView } from '../invitation-views';

/** `POST /v1/organizations/{id}/invitations/{invitationId}/resend` (event `InvitationResent`): a new token, the old one dead. */
export const ResendInvitationRoute = defineRoute({
  id: 'resendInvitation',
  summary: 'Send an invitation again with a new token (event InvitationResent)',
  method: 'POST',
  path: '/v1/organizations/:id/invitations/:invitationId/resend',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId, invitationId: PathId },
  // Without the address: the command is not given it, and the state keeps only its keyed hash.
  responses: { 200: InvitationResponse.omit({ email: true }) },
  errors: ['organization_not_found', 'invitation_not_found', 'invitation_not_pending', 'forbidden'],
});

@Controller()
export class ResendInvitationHttpController {
  constructor(
    private readonly organizations: OrganizationHandler,
    private readonly addresses: InvitationAddresses,
  ) {}

  @Route(ResendInvitationRoute)
  async resend(@Input() { params: { id, invitationId } }: RouteInput<typeof ResendInvitationRoute>, @Envelope() envelope: CommandEnvelope) {
    const token = this.addresses.tokens.issue('invitation', id);
    const outcome = await this.organizations.handle(id, { type: 'ResendInvitation', data: { invitationId, token, now: envelope.now } }, envelope);
    return respond(invitationView(outcome.state, invitationId), outcome);
  }
}
