import { Controller } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { Id, PathId } from '../../../http/ids';
import { UserLookup } from '../../../users/user-lookup';
import { OrganizationHandler } from '../../organization-handler';
import { OrganizationResponse, organizationView } from '../../organization-views';

const TransferOwnershipRequest = z.strictObject({ newOwnerId: Id });

/** `POST /v1/organizations/{id}/ownership`: the billing owner hands billing to another member, an active user (the decider). */
export const TransferOwnershipRoute = defineRoute({
  id: 'transferOwnership',
  summary: 'Transfer billing ownership to a member (billing owner only)',
  method: 'POST',
  path: '/v1/organizations/:id/ownership',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId },
  body: TransferOwnershipRequest,
  responses: { 200: OrganizationResponse },
  errors: ['organization_not_found', 'not_a_member', 'user_not_found', 'forbidden'],
});

@Controller()
export class TransferOwnershipHttpController {
  constructor(
    private readonly organizations: OrganizationHandler,
    private readonly users: UserLookup,
  ) {}

  @Route(TransferOwnershipRoute)
  async transfer(@Input() { params: { id }, body }: RouteInput<typeof TransferOwnershipRoute>, @Envelope() envelope: CommandEnvelope) {
    const newOwnerIsActive = await this.users.isActive(body.newOwnerId);
    const outcome = await this.organizations.handle(id, { type: 'TransferOwnership', data: { newOwnerId: body.newOwnerId, newOwnerIsActive, now: envelope.now } }, envelope);
    return respond(organizationView(outcome.state), outcome);
  }
}
