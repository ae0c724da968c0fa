import { applyDecorators, Controller, Injectable, UseInterceptors } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { type OrganizationCommand, organizationDecider, type OrganizationState } from '../../../../libs/domain/src';
import { formatPosition } from '../../../../libs/event-store/src';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { AggregateStore } from '../commands/aggregate-store';
import { CommandEnvelope } from '../commands/command-context';
import { withPosition } from '../commands/command-response';
import type { RequestContext } from '../http/request-context';
import { type IdempotentRequest, IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { organizationStream } from '../../../../libs/streams/src';

// What the organization and membership use cases (commands/<use-case>/) share.

export class ExecuteOrganizationCommand {
  constructor(
    readonly organizationId: string,
    readonly command: OrganizationCommand,
    readonly envelope: CommandEnvelope,
  ) {}
}

export interface OrganizationOutcome {
  state: Extract<OrganizationState, { status: 'active' }>;
  position: string | undefined;
}

/**
 * Every organization command is the same three steps on the organization's stream: load, decide, append. So one
 * command and handler serve all of them (and the logo, in files/): the rules that differ live in the decider, and a
 * handler per use case would only repeat these lines.
 */
@CommandHandler(ExecuteOrganizationCommand)
export class ExecuteOrganizationCommandHandler implements ICommandHandler<ExecuteOrganizationCommand, OrganizationOutcome> {
  constructor(private readonly aggregates: AggregateStore) {}

  async execute({ organizationId, command, envelope }: ExecuteOrganizationCommand): Promise<OrganizationOutcome> {
    const outcome = await this.aggregates.execute(organizationStream(organizationId), organizationDecider, command, envelope.forAggregates());
    if (outcome.state.status !== 'active') throw new Error('organization command left no organization');
    return { state: outcome.state, position: outcome.position && formatPosition(outcome.position) };
  }
}

/** Every organization command route: under `v1/organizations`, for keys with the `commands` scope, idempotent. */
export const OrganizationCommandsController = () => applyDecorators(Controller('v1/organizations'), RequiresScope('commands'), UseInterceptors(IdempotencyInterceptor));

/** What every organization route does with its domain command: run it for the acting user, then set X-Event-Position. */
@Injectable()
export class OrganizationCommandRunner {
  constructor(private readonly commands: CommandBus) {}

  async run(
    organizationId: string,
    build: (envelope: CommandEnvelope, actorId: string) => OrganizationCommand,
    context: RequestContext,
    request: IdempotentRequest,
    reply: FastifyReply,
  ): Promise<OrganizationOutcome['state']> {
    const envelope = CommandEnvelope.from(context, request);
    const actorId = envelope.requireActor();
    // Ids are UUIDs, which are case-insensitive: `ABC…` and `abc…` name one organization, hence one stream.
    const outcome = await this.commands.execute<ExecuteOrganizationCommand, OrganizationOutcome>(
      new ExecuteOrganizationCommand(organizationId.toLowerCase(), build(envelope, actorId), envelope),
    );
    withPosition(reply, outcome.position);
    return outcome.state;
  }
}

export const OrganizationResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  plan: z.enum(['free', 'pro', 'enterprise']),
  ownerId: z.uuid(),
  memberCount: z.number().int(),
  logoUrl: z.string().nullable(),
});

/** The organization as command responses show it. Never the payment method reference. */
export function organizationView(state: OrganizationOutcome['state']) {
  return {
    id: state.organizationId,
    name: state.name,
    plan: state.plan,
    ownerId: state.ownerId,
    memberCount: Object.keys(state.members).length,
    logoUrl: state.logoUrl ?? null,
  };
}

/** A membership as command responses show it; `userId` is lower case, as the organization's state keys it. */
export function membershipView(state: OrganizationOutcome['state'], userId: string) {
  const member = state.members[userId]!;
  return { organizationId: state.organizationId, userId, role: member.role, joinedAt: member.joinedAt };
}
