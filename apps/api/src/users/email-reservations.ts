import { Injectable } from '@nestjs/common';
import { emailReservationDecider, userDecider } from '@accounts/domain';
import { LookupHasher } from '@accounts/privacy';
import { AggregateStore } from '@accounts/aggregates';
import type { CommandEnvelope } from '../commands/command-envelope';
import { userStream } from '@accounts/streams';

/** A reservation younger than this may belong to a registration or email change still in flight. */
const IN_FLIGHT_GRACE_MS = 5 * 60_000;

/**
 * Unique emails: the address is reserved on its own stream (`email-<keyed hash>`) before a user takes it, with
 * expected revision, so of many concurrent registrations exactly one wins.
 */
@Injectable()
export class EmailReservations {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly lookup: LookupHasher,
  ) {}

  streamFor(normalisedEmail: string): string {
    return `email-${this.lookup.hash(normalisedEmail)}`;
  }

  async reserve(normalisedEmail: string, userId: string, envelope: CommandEnvelope): Promise<void> {
    const stream = this.streamFor(normalisedEmail);
    const { state } = await this.aggregates.load(stream, emailReservationDecider);
    const staleHolder =
      state.holder && state.holder !== userId && (await this.isStale(state.holder, state.reservedAt, normalisedEmail, envelope.now)) ? state.holder : undefined;
    await this.aggregates.execute(
      stream,
      emailReservationDecider,
      { type: 'ReserveEmail', data: { userId, ...(staleHolder ? { staleHolder } : {}), now: envelope.now } },
      envelope.forAggregates(userId),
    );
  }

  /** The user who holds the address now (registered with it or changed to it), if any: a fact for invitations. */
  async holderOf(normalisedEmail: string): Promise<string | undefined> {
    return (await this.aggregates.load(this.streamFor(normalisedEmail), emailReservationDecider)).state.holder;
  }

  async release(normalisedEmail: string, userId: string, reason: 'changed' | 'erased', envelope: CommandEnvelope, context = envelope.forAggregates(userId)): Promise<void> {
    await this.aggregates.execute(this.streamFor(normalisedEmail), emailReservationDecider, { type: 'ReleaseEmail', data: { userId, reason, now: envelope.now } }, context);
  }

  /**
   * A holder that does not use the address — never registered (a registration that died half-way), erased, or now
   * using another address — holds it stale once the grace period is over.
   */
  private async isStale(holder: string, reservedAt: string | undefined, email: string, now: string): Promise<boolean> {
    if (!reservedAt || Date.parse(now) - Date.parse(reservedAt) < IN_FLIGHT_GRACE_MS) return false;
    const { state } = await this.aggregates.load(userStream(holder), userDecider);
    return state.status !== 'active' || state.email !== email;
  }
}
