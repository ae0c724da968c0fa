import { Body, Controller, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { ClaimWithAppend } from '../../../idempotency/idempotency.interceptor';
import { Id, IdPipe } from '../../../http/ids';
import { Documented } from '../../../openapi/documented.decorator';
import { UserLookup } from '../../../users/user-lookup';
import { OrganizationHandler } from '../../organization-handler';
import { OrganizationResponse, organizationView } from '../../organization-views';

const TransferOwnershipRequest = z.strictObject({ newOwnerId: Id });

/** `POST /v1/organizations/{id}/ownership`: the billing owner hands billing to another member, an active user (the decider). */
@Controller('v1/organizations')
export class TransferOwnershipHttpController {
  constructor(
    private readonly organizations: OrganizationHandler,
    private readonly users: UserLookup,
  ) {}

  @CommandRoute(Post(':id/ownership'), 200)
  @ClaimWithAppend()
  @Documented({ summary: 'Transfer billing ownership to a member (billing owner only)', body: TransferOwnershipRequest, response: OrganizationResponse, errors: ['organization_not_found', 'not_a_member', 'user_not_found', 'forbidden'] })
  async transfer(@Param('id', IdPipe) id: string, @Body({ schema: TransferOwnershipRequest }) body: z.infer<typeof TransferOwnershipRequest>, @Envelope() envelope: CommandEnvelope) {
    const newOwnerIsActive = await this.users.isActive(body.newOwnerId, envelope);
    const outcome = await this.organizations.handle(id, { type: 'TransferOwnership', data: { newOwnerId: body.newOwnerId, newOwnerIsActive, now: envelope.now } }, envelope);
    return respond(organizationView(outcome.state), outcome);
  }
}
