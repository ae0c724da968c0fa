import { Body, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Ctx, type RequestContext } from '../../../http/request-context';
import type { IdempotentRequest } from '../../../idempotency/idempotency.interceptor';
import { Documented } from '../../../openapi/documented.decorator';
import { OrganizationCommandRunner, OrganizationCommandsController, OrganizationResponse, organizationView } from '../../organization-commands';

// Shape only: the domain checks the plan and names the field that broke a rule.
const ChangePlanRequest = z.strictObject({ plan: z.string().max(50) });

/** `POST /v1/organizations/{id}/plan`: the billing owner only (the decider). */
@OrganizationCommandsController()
export class ChangePlanHttpController {
  constructor(private readonly organizations: OrganizationCommandRunner) {}

  @Post(':id/plan')
  @HttpCode(200)
  @Documented({ summary: 'Change the plan (billing owner only)', body: ChangePlanRequest, response: OrganizationResponse, errors: ['organization_not_found'] })
  async changePlan(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body({ schema: ChangePlanRequest }) body: z.infer<typeof ChangePlanRequest>,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return organizationView(await this.organizations.run(id, (e, actorId) => ({ type: 'ChangePlan', data: { plan: body.plan, actorId, now: e.now } }), context, request, reply));
  }
}
