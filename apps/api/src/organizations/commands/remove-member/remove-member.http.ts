import { Delete, HttpCode, Param, ParseUUIDPipe, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Ctx, type RequestContext } from '../../../http/request-context';
import type { IdempotentRequest } from '../../../idempotency/idempotency.interceptor';
import { Documented } from '../../../openapi/documented.decorator';
import { OrganizationCommandRunner, OrganizationCommandsController } from '../../organization-commands';

/** `DELETE /v1/organizations/{id}/members/{userId}`: a removal, or leaving when the actor is that member. */
@OrganizationCommandsController()
export class RemoveMemberHttpController {
  constructor(private readonly organizations: OrganizationCommandRunner) {}

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @Documented({ summary: 'Remove a member, or leave when the actor is that member', errors: ['organization_not_found', 'not_a_member', 'last_owner', 'billing_owner_protected'] })
  async removeMember(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('userId', new ParseUUIDPipe()) userId: string,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.organizations.run(id, (e, actorId) => ({ type: 'RemoveMember', data: { userId: userId.toLowerCase(), actorId, now: e.now } }), context, request, reply);
  }
}
