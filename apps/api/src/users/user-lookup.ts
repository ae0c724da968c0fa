import { Inject, Injectable } from '@nestjs/common';
import { userDecider, type UserState } from '@accounts/domain';
import { EVENT_STORE } from '../infrastructure/tokens';
import type { EventStore } from '@accounts/event-store';
import { AggregateStore } from '@accounts/aggregates';
import type { CommandEnvelope } from '../commands/command-envelope';
import { userStream } from '@accounts/streams';

/** Facts about users that other commands need ("this user exists"), read from the user's own stream. */
@Injectable()
export class UserLookup {
  constructor(
    private readonly aggregates: AggregateStore,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  async state(userId: string): Promise<UserState> {
    return (await this.aggregates.load(userStream(userId), userDecider)).state;
  }

  /**
   * Whether the user exists and is not erased: decided from the event types alone, so no personal field is
   * decrypted (and no data key fetched) just to learn that.
   */
  async isActive(userId: string, envelope?: CommandEnvelope): Promise<boolean> {
    // A command that claims with its append assumes the user active, unread: the append checks it in its own
    // transaction (es_append_claimed) and, if it does not hold, the command is decided again with it read.
    if (envelope?.claim?.assumesFacts) {
      envelope.claim.assume(userStream(userId), ['UserErased']);
      return true;
    }
    // Only the last event is read: a user stream starts with UserRegistered, and UserErased ends it for good (the
    // decider refuses every command after it), so the stream exists and does not end in UserErased iff active.
    const [last] = await this.eventStore.readStream(userStream(userId), { direction: 'backwards', maxCount: 1 });
    return last !== undefined && last.type !== 'UserErased';
  }
}
