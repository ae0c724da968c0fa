import { Controller } from '@nestjs/common';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { PathId } from '../../../http/ids';
import { OrganizationHandler } from '../../organization-handler';

/** `DELETE /v1/organizations/{id}/members/{userId}`: a removal, or leaving when the actor is that member. */
export const RemoveMemberRoute = defineRoute({
  id: 'removeMember',
  summary: 'Remove a member, or leave when the actor is that member',
  method: 'DELETE',
  path: '/v1/organizations/:id/members/:userId',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId, userId: PathId },
  responses: { 204: null },
  errors: ['organization_not_found', 'not_a_member', 'last_owner', 'billing_owner_protected', 'forbidden'],
});

@Controller()
export class RemoveMemberHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @Route(RemoveMemberRoute)
  async removeMember(@Input() { params: { id, userId } }: RouteInput<typeof RemoveMemberRoute>, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.organizations.handle(id, { type: 'RemoveMember', data: { userId, now: envelope.now } }, envelope);
    return respond(undefined, outcome);
  }
}
