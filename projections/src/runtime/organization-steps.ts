import type { AggregateStore } from '@accounts/aggregates';
import { organizationDecider, type OrganizationCommand } from '@accounts/domain';
import { organizationStream } from '@accounts/streams';

/** A step of a process on an organization's stream, decided by no one's request (erasure, the invitations' schedule). */
export type OrganizationStep = Extract<OrganizationCommand, { type: 'RemoveErasedMember' | 'ExpireInvitation' }>;

/**
 * Runs a process step on an organization's own stream through the aggregate store every command goes through:
 * load (from the snapshot and the events after it, not the whole stream: an organization of 50,000 members has that
 * many events), decide, append with the expected revision, decide again on a conflict. The steps' decisions are
 * "nothing to do" once done, so running one twice is harmless. Returns whether it appended.
 */
export class OrganizationSteps {
  constructor(private readonly aggregates: AggregateStore) {}

  async run(organizationId: string, step: (now: string) => OrganizationStep, context: { now: () => Date; service: string; causationId: string }): Promise<boolean> {
    const now = context.now().toISOString();
    const metadata = { occurredAt: now, service: context.service, causationId: context.causationId };
    const outcome = await this.aggregates.execute(organizationStream(organizationId), organizationDecider, step(now), { metadata });
    return outcome.events.length > 0;
  }
}
