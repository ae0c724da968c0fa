import { Controller, Delete, Param } from '@nestjs/common';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { ClaimWithAppend } from '../../../idempotency/idempotency.interceptor';
import { IdPipe } from '../../../http/ids';
import { Documented } from '../../../openapi/documented.decorator';
import { OrganizationHandler } from '../../organization-handler';

/** `DELETE /v1/organizations/{id}/members/{userId}`: a removal, or leaving when the actor is that member. */
@Controller('v1/organizations')
export class RemoveMemberHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @CommandRoute(Delete(':id/members/:userId'), 204)
  @ClaimWithAppend()
  @Documented({ summary: 'Remove a member, or leave when the actor is that member', errors: ['organization_not_found', 'not_a_member', 'last_owner', 'billing_owner_protected', 'forbidden'] })
  async removeMember(@Param('id', IdPipe) id: string, @Param('userId', IdPipe) userId: string, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.organizations.handle(id, { type: 'RemoveMember', data: { userId, now: envelope.now } }, envelope);
    return respond(undefined, outcome);
  }
}
