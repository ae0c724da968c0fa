import { Body, HttpCode, Param, ParseUUIDPipe, Patch, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Ctx, type RequestContext } from '../../../http/request-context';
import type { IdempotentRequest } from '../../../idempotency/idempotency.interceptor';
import { Documented } from '../../../openapi/documented.decorator';
import { OrganizationCommandRunner, OrganizationCommandsController, OrganizationResponse, organizationView } from '../../organization-commands';

// Shape only: the domain checks the name and names the field that broke a rule.
const RenameOrganizationRequest = z.strictObject({ name: z.string().max(1000) });

/** `PATCH /v1/organizations/{id}`: owners and admins (the decider). */
@OrganizationCommandsController()
export class RenameOrganizationHttpController {
  constructor(private readonly organizations: OrganizationCommandRunner) {}

  @Patch(':id')
  @HttpCode(200)
  @Documented({ summary: 'Rename an organization (owners and admins)', body: RenameOrganizationRequest, response: OrganizationResponse, errors: ['organization_not_found'] })
  async rename(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body({ schema: RenameOrganizationRequest }) body: z.infer<typeof RenameOrganizationRequest>,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return organizationView(await this.organizations.run(id, (e, actorId) => ({ type: 'RenameOrganization', data: { name: body.name, actorId, now: e.now } }), context, request, reply));
  }
}
