import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type OrganizationCommand, organizationDecider, type OrganizationState } from '../../../../libs/domain/src';
import { formatPosition } from '../../../../libs/event-store/src';
import { AggregateStore } from '../commands/aggregate-store';
import type { CommandEnvelope } from '../commands/command-context';
import { organizationStream } from '../../../../libs/streams/src';

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

/** Every organization command is the same three steps on the organization's stream: load, decide, append. */
@CommandHandler(ExecuteOrganizationCommand)
export class ExecuteOrganizationCommandHandler implements ICommandHandler<ExecuteOrganizationCommand, OrganizationOutcome> {
  constructor(private readonly aggregates: AggregateStore) {}

  async execute({ organizationId, command, envelope }: ExecuteOrganizationCommand): Promise<OrganizationOutcome> {
    const outcome = await this.aggregates.execute(organizationStream(organizationId), organizationDecider, command, envelope.forAggregates());
    if (outcome.state.status !== 'active') throw new Error('organization command left no organization');
    return { state: outcome.state, position: outcome.position && formatPosition(outcome.position) };
  }
}

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
