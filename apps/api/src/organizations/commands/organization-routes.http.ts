import { Body, Controller, Delete, HttpCode, Param, ParseUUIDPipe, Patch, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { OrganizationCommand } from '../../../../../libs/domain/src';
import { RequiresScope } from '../../auth/requires-scope.decorator';
import { CommandEnvelope } from '../../commands/command-context';
import { withPosition } from '../../commands/command-response';
import { Ctx, type RequestContext } from '../../http/request-context';
import { type IdempotentRequest, IdempotencyInterceptor } from '../../idempotency/idempotency.interceptor';
import { Documented } from '../../openapi/documented.decorator';
import { UserLookup } from '../../users/user-lookup';
import { ExecuteOrganizationCommand, type OrganizationOutcome, organizationView } from '../organization-commands';

// Shapes only: the domain checks names, plans, roles and payment references, and names the field that broke a rule.
const CreateOrganizationRequest = z.strictObject({ name: z.string().max(1000), plan: z.string().max(50).optional() });
const RenameOrganizationRequest = z.strictObject({ name: z.string().max(1000) });
const ChangePlanRequest = z.strictObject({ plan: z.string().max(50) });
const TransferOwnershipRequest = z.strictObject({ newOwnerId: z.uuid() });
const PaymentMethodRequest = z.strictObject({ processor: z.string().max(200), paymentMethodId: z.string().max(1000) });
const AddMemberRequest = z.strictObject({ userId: z.uuid(), role: z.string().max(50) });
const ChangeRoleRequest = z.strictObject({ role: z.string().max(50) });
const OrganizationResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  plan: z.enum(['free', 'pro', 'enterprise']),
  ownerId: z.uuid(),
  memberCount: z.number().int(),
  logoUrl: z.string().nullable(),
});

type Command = OrganizationCommand;

/**
 * The organization and membership commands of the contract. Each route only translates HTTP into a domain command
 * (with the facts it needs, such as "this user exists"); the rules live in libs/domain.
 */
@Controller('v1/organizations')
@RequiresScope('commands')
@UseInterceptors(IdempotencyInterceptor)
export class OrganizationCommandsHttpController {
  constructor(
    private readonly commands: CommandBus,
    private readonly users: UserLookup,
  ) {}

  private async run(organizationId: string, build: (envelope: CommandEnvelope, actorId: string) => Command, context: RequestContext, request: IdempotentRequest, reply: FastifyReply) {
    const envelope = CommandEnvelope.from(context, request);
    const actorId = envelope.requireActor();
    const outcome = await this.commands.execute<ExecuteOrganizationCommand, OrganizationOutcome>(
      new ExecuteOrganizationCommand(organizationId, build(envelope, actorId), envelope),
    );
    withPosition(reply, outcome.position);
    return outcome.state;
  }

  @Post()
  @HttpCode(201)
  @Documented({ summary: 'Create an organization; the actor becomes its billing owner', body: CreateOrganizationRequest, response: OrganizationResponse, errors: ['user_not_found'] })
  async create(@Body({ schema: CreateOrganizationRequest }) body: z.infer<typeof CreateOrganizationRequest>, @Ctx() context: RequestContext, @Req() request: IdempotentRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const envelope = CommandEnvelope.from(context, request);
    const actorId = envelope.requireActor();
    const organizationId = envelope.newId('organization');
    const actorExists = await this.users.isActive(actorId);
    const state = await this.run(
      organizationId,
      () => ({ type: 'CreateOrganization', data: { organizationId, name: body.name, ...(body.plan !== undefined ? { plan: body.plan } : {}), actorId, actorExists, now: envelope.now } }),
      context,
      request,
      reply,
    );
    const { id, name, plan, ownerId } = organizationView(state);
    return { id, name, plan, ownerId };
  }

  @Patch(':id')
  @HttpCode(200)
  @Documented({ summary: 'Rename an organization (owners and admins)', body: RenameOrganizationRequest, response: OrganizationResponse, errors: ['organization_not_found'] })
  async rename(@Param('id', new ParseUUIDPipe()) id: string, @Body({ schema: RenameOrganizationRequest }) body: z.infer<typeof RenameOrganizationRequest>, @Ctx() context: RequestContext, @Req() request: IdempotentRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return organizationView(await this.run(id, (e, actorId) => ({ type: 'RenameOrganization', data: { name: body.name, actorId, now: e.now } }), context, request, reply));
  }

  @Post(':id/plan')
  @HttpCode(200)
  @Documented({ summary: 'Change the plan (billing owner only)', body: ChangePlanRequest, response: OrganizationResponse, errors: ['organization_not_found'] })
  async changePlan(@Param('id', new ParseUUIDPipe()) id: string, @Body({ schema: ChangePlanRequest }) body: z.infer<typeof ChangePlanRequest>, @Ctx() context: RequestContext, @Req() request: IdempotentRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return organizationView(await this.run(id, (e, actorId) => ({ type: 'ChangePlan', data: { plan: body.plan, actorId, now: e.now } }), context, request, reply));
  }

  @Post(':id/ownership')
  @HttpCode(200)
  @Documented({ summary: 'Transfer billing ownership to a member (billing owner only)', body: TransferOwnershipRequest, response: OrganizationResponse, errors: ['organization_not_found', 'not_a_member'] })
  async transfer(@Param('id', new ParseUUIDPipe()) id: string, @Body({ schema: TransferOwnershipRequest }) body: z.infer<typeof TransferOwnershipRequest>, @Ctx() context: RequestContext, @Req() request: IdempotentRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return organizationView(await this.run(id, (e, actorId) => ({ type: 'TransferOwnership', data: { newOwnerId: body.newOwnerId.toLowerCase(), actorId, now: e.now } }), context, request, reply));
  }

  @Post(':id/payment-method')
  @HttpCode(200)
  @Documented({ summary: "Store the payment processor's reference id (never card data)", body: PaymentMethodRequest, response: OrganizationResponse, errors: ['organization_not_found', 'raw_card_data_rejected'] })
  async paymentMethod(@Param('id', new ParseUUIDPipe()) id: string, @Body({ schema: PaymentMethodRequest }) body: z.infer<typeof PaymentMethodRequest>, @Ctx() context: RequestContext, @Req() request: IdempotentRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return organizationView(
      await this.run(id, (e, actorId) => ({ type: 'SetPaymentMethod', data: { processor: body.processor, paymentMethodId: body.paymentMethodId, actorId, now: e.now } }), context, request, reply),
    );
  }

  @Post(':id/members')
  @HttpCode(201)
  @Documented({ summary: 'Add a member (event MemberJoined)', body: AddMemberRequest, errors: ['organization_not_found', 'already_member', 'user_not_found'] })
  async addMember(@Param('id', new ParseUUIDPipe()) id: string, @Body({ schema: AddMemberRequest }) body: z.infer<typeof AddMemberRequest>, @Ctx() context: RequestContext, @Req() request: IdempotentRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const userId = body.userId.toLowerCase();
    const userExists = await this.users.isActive(userId);
    const state = await this.run(id, (e, actorId) => ({ type: 'AddMember', data: { userId, role: body.role, userExists, actorId, now: e.now } }), context, request, reply);
    const member = state.members[userId]!;
    return { organizationId: id, userId, role: member.role, joinedAt: member.joinedAt };
  }

  @Patch(':id/members/:userId')
  @HttpCode(200)
  @Documented({ summary: "Change a member's role", body: ChangeRoleRequest, errors: ['organization_not_found', 'not_a_member', 'last_owner', 'billing_owner_protected'] })
  async changeRole(@Param('id', new ParseUUIDPipe()) id: string, @Param('userId', new ParseUUIDPipe()) userId: string, @Body({ schema: ChangeRoleRequest }) body: z.infer<typeof ChangeRoleRequest>, @Ctx() context: RequestContext, @Req() request: IdempotentRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const state = await this.run(id, (e, actorId) => ({ type: 'ChangeMemberRole', data: { userId: userId.toLowerCase(), role: body.role, actorId, now: e.now } }), context, request, reply);
    const member = state.members[userId.toLowerCase()]!;
    return { organizationId: id, userId: userId.toLowerCase(), role: member.role, joinedAt: member.joinedAt };
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @Documented({ summary: 'Remove a member, or leave when the actor is that member', errors: ['organization_not_found', 'not_a_member', 'last_owner', 'billing_owner_protected'] })
  async removeMember(@Param('id', new ParseUUIDPipe()) id: string, @Param('userId', new ParseUUIDPipe()) userId: string, @Ctx() context: RequestContext, @Req() request: IdempotentRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.run(id, (e, actorId) => ({ type: 'RemoveMember', data: { userId: userId.toLowerCase(), actorId, now: e.now } }), context, request, reply);
  }
}
