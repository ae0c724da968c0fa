import { Controller } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { OrganizationHandler } from '../../organization-handler';
import { OrganizationResponse, organizationView } from '../../organization-views';

// Shapes only: the domain checks the name and the plan, and names the field that broke a rule.
const CreateOrganizationRequest = z.strictObject({ name: z.string().max(1000), plan: z.string().max(50).optional() });
// The contract's answer to a creation: the new organization's id, name, plan and billing owner.
const CreateOrganizationResponse = OrganizationResponse.pick({ id: true, name: true, plan: true, ownerId: true });

/** `POST /v1/organizations`: the actor, who must be an active user, becomes the billing owner. */
export const CreateOrganizationRoute = defineRoute({
  id: 'createOrganization',
  summary: 'Create an organization; the actor becomes its billing owner',
  method: 'POST',
  path: '/v1/organizations',
  scope: 'commands',
  command: true,
  actor: 'required',
  body: CreateOrganizationRequest,
  responses: { 201: CreateOrganizationResponse },
  errors: ['user_not_found'],
});

@Controller()
export class CreateOrganizationHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @Route(CreateOrganizationRoute)
  async create(@Input() { body }: RouteInput<typeof CreateOrganizationRoute>, @Envelope() envelope: CommandEnvelope) {
    const organizationId = envelope.newId('organization');
    const plan = body.plan !== undefined ? { plan: body.plan } : {};
    const outcome = await this.organizations.handle(organizationId, { type: 'CreateOrganization', data: { organizationId, name: body.name, ...plan, now: envelope.now } }, envelope);
    const { id, name, plan: createdPlan, ownerId } = organizationView(outcome.state);
    return respond({ id, name, plan: createdPlan, ownerId }, outcome);
  }
}
