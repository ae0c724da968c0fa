import { Body, Controller, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { ClaimWithAppend } from '../../../idempotency/idempotency.interceptor';
import { Id, IdPipe } from '../../../http/ids';
import { Documented } from '../../../openapi/documented.decorator';
import { UserLookup } from '../../../users/user-lookup';
import { OrganizationHandler } from '../../organization-handler';
import { membershipView } from '../../organization-views';

// Shape only: the domain checks the role and names the field that broke a rule.
const AddMemberRequest = z.strictObject({ userId: Id, role: z.string().max(50) });

/** `POST /v1/organizations/{id}/members` (event `MemberJoined`): the new member must be an active user (a fact gathered here). */
@Controller('v1/organizations')
export class AddMemberHttpController {
  constructor(
    private readonly organizations: OrganizationHandler,
    private readonly users: UserLookup,
  ) {}

  @CommandRoute(Post(':id/members'), 201)
  @ClaimWithAppend()
  @Documented({ summary: 'Add a member (event MemberJoined)', body: AddMemberRequest, errors: ['organization_not_found', 'already_member', 'user_not_found', 'forbidden'] })
  async addMember(@Param('id', IdPipe) id: string, @Body({ schema: AddMemberRequest }) body: z.infer<typeof AddMemberRequest>, @Envelope() envelope: CommandEnvelope) {
    const userIsActive = await this.users.isActive(body.userId, envelope);
    const outcome = await this.organizations.handle(id, { type: 'AddMember', data: { userId: body.userId, role: body.role, userIsActive, now: envelope.now } }, envelope);
    return respond(membershipView(outcome.state, body.userId), outcome);
  }
}
