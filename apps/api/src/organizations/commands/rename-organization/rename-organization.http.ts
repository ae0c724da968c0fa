import { Controller } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { PathId } from '../../../http/ids';
import { OrganizationHandler } from '../../organization-handler';
import { OrganizationResponse, organizationView } from '../../organization-views';

// Shape only: the domain checks the name and names the field that broke a rule.
const RenameOrganizationRequest = z.strictObject({ name: z.string().max(1000) });

/** `PATCH /v1/organizations/{id}`: owners and admins (the decider). */
export const RenameOrganizationRoute = defineRoute({
  id: 'renameOrganization',
  summary: 'Rename an organization (owners and admins)',
  method: 'PATCH',
  path: '/v1/organizations/:id',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId },
  body: RenameOrganizationRequest,
  responses: { 200: OrganizationResponse },
  errors: ['organization_not_found', 'forbidden'],
});

@Controller()
export class RenameOrganizationHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @Route(RenameOrganizationRoute)
  async rename(@Input() { params: { id }, body }: RouteInput<typeof RenameOrganizationRoute>, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.organizations.handle(id, { type: 'RenameOrganization', data: { name: body.name, now: envelope.now } }, envelope);
    return respond(organizationView(outcome.state), outcome);
  }
}
