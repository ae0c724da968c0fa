import { v7 as uuidv7 } from 'uuid';
import { organizationDecider, type OrganizationEvent } from '../../../libs/domain/src';
import type { EventCodec } from '../../../libs/event-codec/src';
import { type EventStore, WrongExpectedRevisionError } from '../../../libs/event-store/src';
import { organizationStream } from '../../../libs/streams/src';

const MAX_ATTEMPTS = 8;

/**
 * Ends an erased person's membership of one organization, on the organization's own stream: load, decide
 * `RemoveErasedMember`, append with the expected revision, and on a conflict decide again with the fresh stream. The
 * decider answers "nothing to do" once they are no longer a member, so doing it twice is harmless; it refuses (the
 * error is thrown) while they are the billing owner, which no one can act for once they are erased.
 */
export class ErasedMemberRemover {
  constructor(
    private readonly eventStore: EventStore,
    private readonly codec: EventCodec,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async remove(organizationId: string, userId: string, causationId: string): Promise<boolean> {
    const stream = organizationStream(organizationId);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const recorded = await this.eventStore.readStream(stream);
      const decoded = (await this.codec.decode(recorded, { keepSecrets: true })) as unknown as OrganizationEvent[];
      const state = organizationDecider.fold(organizationDecider.initialState(), decoded);
      const now = this.now().toISOString();
      const decided = organizationDecider.decide({ type: 'RemoveErasedMember', data: { userId, now } }, state);
      if (decided.length === 0) return false;
      const encoded = await Promise.all(decided.map((event) => this.codec.encode(event, uuidv7(), { occurredAt: now, service: 'erasure', causationId })));
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
