import { Controller } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { Id, PathId } from '../../../http/ids';
import { UserLookup } from '../../../users/user-lookup';
import { OrganizationHandler } from '../../organization-handler';
import { MembershipResponse, membershipView } from '../../organization-views';

// Shape only: the domain checks the role and names the field that broke a rule.
const AddMemberRequest = z.strictObject({ userId: Id, role: z.string().max(50) });

/** `POST /v1/organizations/{id}/members` (event `MemberJoined`): the new member must be an active user (a fact gathered here). */
export const AddMemberRoute = defineRoute({
  id: 'addMember',
  summary: 'Add a member (event MemberJoined)',
  method: 'POST',
  path: '/v1/organizations/:id/members',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId },
  body: AddMemberRequest,
  responses: { 201: MembershipResponse },
  errors: ['organization_not_found', 'already_member', 'user_not_found', 'forbidden'],
});

@Controller()
export class AddMemberHttpController {
  constructor(
    private readonly organizations: OrganizationHandler,
    private readonly users: UserLookup,
  ) {}

  @Route(AddMemberRoute)
  async addMember(@Input() { params: { id }, body }: RouteInput<typeof AddMemberRoute>, @Envelope() envelope: CommandEnvelope) {
    const userIsActive = await this.users.isActive(body.userId);
    const outcome = await this.organizations.handle(id, { type: 'AddMember', data: { userId: body.userId, role: body.role, userIsActive, now: envelope.now } }, envelope);
    return respond(membershipView(outcome.state, body.userId), outcome);
  }
}
