import { Injectable } from '@nestjs/common';
import { type OrganizationCommand, organizationDecider, type OrganizationState, type WithoutActor } from '@accounts/domain';
import { organizationStream } from '@accounts/streams';
import { AggregateStore } from '@accounts/aggregates';
import type { CommandEnvelope } from '../commands/command-envelope';
import { type Handled, handled } from '../commands/handled';
import { ActingUser } from '../users/acting-user';

export type ActiveOrganization = Extract<OrganizationState, { status: 'active' }>;

/**
 * Every command on an organization's stream, memberships included: the actor is required (X-Actor-Id) and their
 * facts gathered, then load, decide, append with the expected revision. The rules are the decider's.
 */
@Injectable()
export class OrganizationHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly acting: ActingUser,
  ) {}

  async handle(organizationId: string, command: WithoutActor<OrganizationCommand>, envelope: CommandEnvelope): Promise<Handled<ActiveOrganization>> {
    envelope.requireActor();
    const decided = { ...command, actor: await this.acting.of(envelope) } as OrganizationCommand;
    const outcome = await this.aggregates.execute(organizationStream(organizationId), organizationDecider, decided, envelope.forAggregates());
    if (outcome.state.status !== 'active') throw new Error('organization command left no organization');
    return handled({ ...outcome, state: outcome.state });
  }
}
