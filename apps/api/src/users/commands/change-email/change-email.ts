import { Injectable } from '@nestjs/common';
import { parseEmail, requireMayActFor, type UserState } from '@accounts/domain';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import type { Handled } from '../../../commands/handled';
import { ActingUser } from '../../acting-user';
import { EmailReservations } from '../../email-reservations';
import { MailedTokens } from '../../mailed-tokens';
import { UserHandler } from '../../user-handler';
import { UserLookup } from '../../user-lookup';

/**
 * Reserve the new address, change it, release the old one (a crash in between leaves a stale reservation). Who may
 * act is asked before the reservation, so nobody reserves an address for another user; the decider asks again, with
 * the state it decides on, and gives every refusal (an unknown or erased user included).
 */
@Injectable()
export class ChangeEmail {
  constructor(
    private readonly users: UserHandler,
    private readonly lookup: UserLookup,
    private readonly acting: ActingUser,
    private readonly reservations: EmailReservations,
    private readonly tokens: MailedTokens,
  ) {}

  async run(userId: string, rawEmail: string, envelope: CommandEnvelope): Promise<Handled<UserState>> {
    requireMayActFor(userId, await this.acting.of(envelope));
    const email = parseEmail(rawEmail);
    const before = await this.lookup.state(userId);
    const changes = before.status === 'active' && before.email !== email;
    if (changes) await this.reservations.reserve(email, userId, envelope);
    const verification = this.tokens.issue('email-verification', userId, envelope.now);
    const outcome = await this.users.handle(userId, { type: 'ChangeEmail', data: { userId, email, verification, now: envelope.now } }, envelope);
    if (changes && outcome.state.status === 'active' && outcome.state.email === email) {
      await this.reservations.release(before.email, userId, 'changed', envelope);
    }
    return outcome;
  }
}
