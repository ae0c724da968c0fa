import { Controller, Param, Post } from '@nestjs/common';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../commands/command-route';
import { IdPipe } from '../../http/ids';
import { Documented } from '../../openapi/documented.decorator';
import { OrganizationHandler } from '../../organizations/organization-handler';
import { InvitationAddresses } from '../invitation-addresses';

/** `POST /v1/organizations/{id}/invitations/{invitationId}/resend` (event `InvitationResent`): a new token, the old one dead. */
@Controller('v1/organizations')
export class ResendInvitationHttpController {
  constructor(
    private readonly organizations: OrganizationHandler,
    private readonly addresses: InvitationAddresses,
  ) {}

  @CommandRoute(Post(':id/invitations/:invitationId/resend'), 200)
  @Documented({ summary: 'Send an invitation again with a new token (event InvitationResent)', errors: ['organization_not_found', 'invitation_not_found', 'invitation_not_pending', 'forbidden'] })
  async resend(@Param('id', IdPipe) id: string, @Param('invitationId', IdPipe) invitationId: string, @Envelope() envelope: CommandEnvelope) {
    const token = this.addresses.tokens.issue('invitation', id);
    const outcome = await this.organizations.handle(id, { type: 'ResendInvitation', data: { invitationId, token, now: envelope.now } }, envelope);
    const entry = outcome.state.invitations[invitationId]!;
    return respond({ id: invitationId, organizationId: id, role: entry.role, status: entry.status, expiresAt: entry.expiresAt }, outcome);
  }
}
