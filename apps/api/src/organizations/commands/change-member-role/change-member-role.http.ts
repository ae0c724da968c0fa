import { Controller } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { PathId } from '../../../http/ids';
import { OrganizationHandler } from '../../organization-handler';
import { MembershipResponse, membershipView } from '../../organization-views';

// Shape only: the domain checks the role and names the field that broke a rule.
const ChangeRoleRequest = z.strictObject({ role: z.string().max(50) });

/** `PATCH /v1/organizations/{id}/members/{userId}`: the billing owner stays an owner (the decider). */
export const ChangeMemberRoleRoute = defineRoute({
  id: 'changeMemberRole',
  summary: "Change a member's role",
  method: 'PATCH',
  path: '/v1/organizations/:id/members/:userId',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId, userId: PathId },
  body: ChangeRoleRequest,
  responses: { 200: MembershipResponse },
  errors: ['organization_not_found', 'not_a_member', 'last_owner', 'billing_owner_protected', 'forbidden'],
});

@Controller()
export class ChangeMemberRoleHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @Route(ChangeMemberRoleRoute)
  async changeRole(@Input() { params: { id, userId }, body }: RouteInput<typeof ChangeMemberRoleRoute>, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.organizations.handle(id, { type: 'ChangeMemberRole', data: { userId, role: body.role, now: envelope.now } }, envelope);
    return respond(membershipView(outcome.state, userId), outcome);
  }
}
