import { Body, Controller, Param, Patch } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { ClaimWithAppend } from '../../../idempotency/idempotency.interceptor';
import { IdPipe } from '../../../http/ids';
import { Documented } from '../../../openapi/documented.decorator';
import { OrganizationHandler } from '../../organization-handler';
import { membershipView } from '../../organization-views';

// Shape only: the domain checks the role and names the field that broke a rule.
const ChangeRoleRequest = z.strictObject({ role: z.string().max(50) });

/** `PATCH /v1/organizations/{id}/members/{userId}`: the billing owner stays an owner (the decider). */
@Controller('v1/organizations')
export class ChangeMemberRoleHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @CommandRoute(Patch(':id/members/:userId'), 200)
  @ClaimWithAppend()
  @Documented({ summary: "Change a member's role", body: ChangeRoleRequest, errors: ['organization_not_found', 'not_a_member', 'last_owner', 'billing_owner_protected', 'forbidden'] })
  async changeRole(
    @Param('id', IdPipe) id: string,
    @Param('userId', IdPipe) userId: string,
    @Body({ schema: ChangeRoleRequest }) body: z.infer<typeof ChangeRoleRequest>,
    @Envelope() envelope: CommandEnvelope,
  ) {
    const outcome = await this.organizations.handle(id, { type: 'ChangeMemberRole', data: { userId, role: body.role, now: envelope.now } }, envelope);
    return respond(membershipView(outcome.state, userId), outcome);
  }
}
