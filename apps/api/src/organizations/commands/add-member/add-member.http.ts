import { Body, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Ctx, type RequestContext } from '../../../http/request-context';
import type { IdempotentRequest } from '../../../idempotency/idempotency.interceptor';
import { Documented } from '../../../openapi/documented.decorator';
import { UserLookup } from '../../../users/user-lookup';
import { membershipView, OrganizationCommandRunner, OrganizationCommandsController } from '../../organization-commands';

// Shape only: the domain checks the role and names the field that broke a rule.
const AddMemberRequest = z.strictObject({ userId: z.uuid(), role: z.string().max(50) });

/** `POST /v1/organizations/{id}/members` (event `MemberJoined`): the new member must be an existing user. */
@OrganizationCommandsController()
export class AddMemberHttpController {
  constructor(
    private readonly organizations: OrganizationCommandRunner,
    private readonly users: UserLookup,
  ) {}

  @Post(':id/members')
  @HttpCode(201)
  @Documented({ summary: 'Add a member (event MemberJoined)', body: AddMemberRequest, errors: ['organization_not_found', 'already_member', 'user_not_found'] })
  async addMember(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body({ schema: AddMemberRequest }) body: z.infer<typeof AddMemberRequest>,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const userId = body.userId.toLowerCase();
    const userExists = await this.users.isActive(userId);
    const state = await this.organizations.run(id, (e, actorId) => ({ type: 'AddMember', data: { userId, role: body.role, userExists, actorId, now: e.now } }), context, request, reply);
    return membershipView(state, userId);
  }
}
