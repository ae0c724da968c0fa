import { Controller, Delete, Param } from '@nestjs/common';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../commands/command-route';
import { IdPipe } from '../../http/ids';
import { Documented } from '../../openapi/documented.decorator';
import { OrganizationHandler } from '../../organizations/organization-handler';

/** `DELETE /v1/organizations/{id}/invitations/{invitationId}` (event `InvitationRevoked`): its token is dead. */
@Controller('v1/organizations')
export class RevokeInvitationHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @CommandRoute(Delete(':id/invitations/:invitationId'), 204)
  @Documented({ summary: 'Revoke a pending invitation (event InvitationRevoked)', errors: ['organization_not_found', 'invitation_not_found', 'invitation_not_pending', 'forbidden'] })
  async revoke(@Param('id', IdPipe) id: string, @Param('invitationId', IdPipe) invitationId: string, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.organizations.handle(id, { type: 'RevokeInvitation', data: { invitationId, now: envelope.now } }, envelope);
    return respond(undefined, outcome);
  }
}
