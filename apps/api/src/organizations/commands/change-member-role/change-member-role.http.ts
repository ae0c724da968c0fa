import { Body, HttpCode, Param, ParseUUIDPipe, Patch, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Ctx, type RequestContext } from '../../../http/request-context';
import type { IdempotentRequest } from '../../../idempotency/idempotency.interceptor';
import { Documented } from '../../../openapi/documented.decorator';
import { membershipView, OrganizationCommandRunner, OrganizationCommandsController } from '../../organization-commands';

// Shape only: the domain checks the role and names the field that broke a rule.
const ChangeRoleRequest = z.strictObject({ role: z.string().max(50) });

/** `PATCH /v1/organizations/{id}/members/{userId}`: the billing owner stays an owner (the decider). */
@OrganizationCommandsController()
export class ChangeMemberRoleHttpController {
  constructor(private readonly organizations: OrganizationCommandRunner) {}

  @Patch(':id/members/:userId')
  @HttpCode(200)
  @Documented({ summary: "Change a member's role", body: ChangeRoleRequest, errors: ['organization_not_found', 'not_a_member', 'last_owner', 'billing_owner_protected'] })
  async changeRole(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('userId', new ParseUUIDPipe()) rawUserId: string,
    @Body({ schema: ChangeRoleRequest }) body: z.infer<typeof ChangeRoleRequest>,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const userId = rawUserId.toLowerCase();
    const state = await this.organizations.run(id, (e, actorId) => ({ type: 'ChangeMemberRole', data: { userId, role: body.role, actorId, now: e.now } }), context, request, reply);
    return membershipView(state, userId);
  }
}
