import { Body, Controller, Post } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { Documented } from '../../../openapi/documented.decorator';
import { OrganizationHandler } from '../../organization-handler';
import { OrganizationResponse, organizationView } from '../../organization-views';

// Shapes only: the domain checks the name and the plan, and names the field that broke a rule.
const CreateOrganizationRequest = z.strictObject({ name: z.string().max(1000), plan: z.string().max(50).optional() });
// The contract's answer to a creation: the new organization's id, name, plan and billing owner.
const CreateOrganizationResponse = OrganizationResponse.pick({ id: true, name: true, plan: true, ownerId: true });

/** `POST /v1/organizations`: the actor, who must be an active user, becomes the billing owner. */
@Controller('v1/organizations')
export class CreateOrganizationHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @CommandRoute(Post(), 201)
  @Documented({ summary: 'Create an organization; the actor becomes its billing owner', body: CreateOrganizationRequest, response: CreateOrganizationResponse, errors: ['user_not_found'] })
  async create(@Body({ schema: CreateOrganizationRequest }) body: z.infer<typeof CreateOrganizationRequest>, @Envelope() envelope: CommandEnvelope) {
    const organizationId = envelope.newId('organization');
    const plan = body.plan !== undefined ? { plan: body.plan } : {};
    const outcome = await this.organizations.handle(organizationId, { type: 'CreateOrganization', data: { organizationId, name: body.name, ...plan, now: envelope.now } }, envelope);
    const { id, name, plan: createdPlan, ownerId } = organizationView(outcome.state);
    return respond({ id, name, plan: createdPlan, ownerId }, outcome);
  }
}
