import { v7 as uuidv7 } from 'uuid';
import { organizationDecider, type OrganizationCommand, type OrganizationEvent } from '@accounts/domain';
import type { EventCodec } from '@accounts/event-codec';
import { type EventStore, WrongExpectedRevisionError } from '@accounts/event-store';
import { organizationStream } from '@accounts/streams';

const MAX_ATTEMPTS = 8;

/** A step of a process on an organization's stream, decided by no one's request (erasure, the invitations' schedule). */
export type OrganizationStep = Extract<OrganizationCommand, { type: 'RemoveErasedMember' | 'ExpireInvitation' }>;

/**
 * Runs a process step on an organization's own stream: load, decide, append with the expected revision, and on a
 * conflict decide again with the fresh stream. The steps' decisions are "nothing to do" once done, so running one
 * twice is harmless. Returns whether it appended.
 */
export class OrganizationSteps {
  constructor(
    private readonly eventStore: EventStore,
    private readonly codec: EventCodec,
  ) {}

  async run(organizationId: string, step: (now: string) => OrganizationStep, context: { now: () => Date; service: string; causationId: string }): Promise<boolean> {
    const stream = organizationStream(organizationId);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const recorded = await this.eventStore.readStream(stream);
      const decoded = (await this.codec.decode(recorded, { keepSecrets: true })) as unknown as OrganizationEvent[];
      const state = organizationDecider.fold(organizationDecider.initialState(), decoded);
      const now = context.now().toISOString();
      const decided = organizationDecider.decide(step(now), state);
      if (decided.length === 0) return false;
      const encoded = await Promise.all(decided.map((event) => this.codec.encode(event, uuidv7(), { occurredAt: now, service: context.service, causationId: context.causationId })));
      try {
        await this.eventStore.appendToStream(stream, encoded, { expectedRevision: recorded.at(-1)?.revision ?? 'no_stream' });
        return true;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt === MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
    return false;
  }
}
