import { Body, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { CommandEnvelope } from '../../../commands/command-context';
import { Ctx, type RequestContext } from '../../../http/request-context';
import type { IdempotentRequest } from '../../../idempotency/idempotency.interceptor';
import { Documented } from '../../../openapi/documented.decorator';
import { UserLookup } from '../../../users/user-lookup';
import { OrganizationCommandRunner, OrganizationCommandsController, OrganizationResponse, organizationView } from '../../organization-commands';

// Shapes only: the domain checks the name and the plan, and names the field that broke a rule.
const CreateOrganizationRequest = z.strictObject({ name: z.string().max(1000), plan: z.string().max(50).optional() });
// The contract's answer to a creation: the new organization's id, name, plan and billing owner.
const CreateOrganizationResponse = OrganizationResponse.pick({ id: true, name: true, plan: true, ownerId: true });

/** `POST /v1/organizations`: the actor, who must be an existing user, becomes the billing owner. */
@OrganizationCommandsController()
export class CreateOrganizationHttpController {
  constructor(
    private readonly organizations: OrganizationCommandRunner,
    private readonly users: UserLookup,
  ) {}

  @Post()
  @HttpCode(201)
  @Documented({ summary: 'Create an organization; the actor becomes its billing owner', body: CreateOrganizationRequest, response: CreateOrganizationResponse, errors: ['user_not_found'] })
  async create(
    @Body({ schema: CreateOrganizationRequest }) body: z.infer<typeof CreateOrganizationRequest>,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const envelope = CommandEnvelope.from(context, request);
    const actorId = envelope.requireActor();
    const organizationId = envelope.newId('organization');
    const actorExists = await this.users.isActive(actorId);
    const state = await this.organizations.run(
      organizationId,
      // The runner's envelope gives the time, so the event's createdAt and its metadata's occurredAt are one instant.
      (e) => ({ type: 'CreateOrganization', data: { organizationId, name: body.name, ...(body.plan !== undefined ? { plan: body.plan } : {}), actorId, actorExists, now: e.now } }),
      context,
      request,
      reply,
    );
    const { id, name, plan, ownerId } = organizationView(state);
    return { id, name, plan, ownerId };
  }
}
