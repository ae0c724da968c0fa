import { Controller } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { Envelope, respond } from '../../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../../contract/route-contract';
import { PathId } from '../../../http/ids';
import { OrganizationHandler } from '../../organization-handler';
import { OrganizationResponse, organizationView } from '../../organization-views';

// Shape only: the domain checks the plan and names the field that broke a rule.
const ChangePlanRequest = z.strictObject({ plan: z.string().max(50) });

/** `POST /v1/organizations/{id}/plan`: the billing owner only (the decider). */
export const ChangePlanRoute = defineRoute({
  id: 'changePlan',
  summary: 'Change the plan (billing owner only)',
  method: 'POST',
  path: '/v1/organizations/:id/plan',
  scope: 'commands',
  command: true,
  actor: 'required',
  params: { id: PathId },
  body: ChangePlanRequest,
  responses: { 200: OrganizationResponse },
  errors: ['organization_not_found', 'forbidden'],
});

@Controller()
export class ChangePlanHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @Route(ChangePlanRoute)
  async changePlan(@Input() { params: { id }, body }: RouteInput<typeof ChangePlanRoute>, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.organizations.handle(id, { type: 'ChangePlan', data: { plan: body.plan, now: envelope.now } }, envelope);
    return respond(organizationView(outcome.state), outcome);
  }
}
