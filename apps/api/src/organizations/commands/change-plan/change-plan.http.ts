import { Body, Controller, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../../commands/command-route';
import { ClaimWithAppend } from '../../../idempotency/idempotency.interceptor';
import { IdPipe } from '../../../http/ids';
import { Documented } from '../../../openapi/documented.decorator';
import { OrganizationHandler } from '../../organization-handler';
import { OrganizationResponse, organizationView } from '../../organization-views';

// Shape only: the domain checks the plan and names the field that broke a rule.
const ChangePlanRequest = z.strictObject({ plan: z.string().max(50) });

/** `POST /v1/organizations/{id}/plan`: the billing owner only (the decider). */
@Controller('v1/organizations')
export class ChangePlanHttpController {
  constructor(private readonly organizations: OrganizationHandler) {}

  @CommandRoute(Post(':id/plan'), 200)
  @ClaimWithAppend()
  @Documented({ summary: 'Change the plan (billing owner only)', body: ChangePlanRequest, response: OrganizationResponse, errors: ['organization_not_found', 'forbidden'] })
  async changePlan(@Param('id', IdPipe) id: string, @Body({ schema: ChangePlanRequest }) body: z.infer<typeof ChangePlanRequest>, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.organizations.handle(id, { type: 'ChangePlan', data: { plan: body.plan, now: envelope.now } }, envelope);
    return respond(organizationView(outcome.state), outcome);
  }
}
