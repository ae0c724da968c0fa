import { Body, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Ctx, type RequestContext } from '../../../http/request-context';
import type { IdempotentRequest } from '../../../idempotency/idempotency.interceptor';
import { Documented } from '../../../openapi/documented.decorator';
import { OrganizationCommandRunner, OrganizationCommandsController, OrganizationResponse, organizationView } from '../../organization-commands';

const TransferOwnershipRequest = z.strictObject({ newOwnerId: z.uuid() });

/** `POST /v1/organizations/{id}/ownership`: the billing owner hands billing to another member (the decider). */
@OrganizationCommandsController()
export class TransferOwnershipHttpController {
  constructor(private readonly organizations: OrganizationCommandRunner) {}

  @Post(':id/ownership')
  @HttpCode(200)
  @Documented({ summary: 'Transfer billing ownership to a member (billing owner only)', body: TransferOwnershipRequest, response: OrganizationResponse, errors: ['organization_not_found', 'not_a_member'] })
  async transfer(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body({ schema: TransferOwnershipRequest }) body: z.infer<typeof TransferOwnershipRequest>,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return organizationView(
      await this.organizations.run(id, (e, actorId) => ({ type: 'TransferOwnership', data: { newOwnerId: body.newOwnerId.toLowerCase(), actorId, now: e.now } }), context, request, reply),
    );
  }
}
