import { Injectable } from '@nestjs/common';
import { emailReservationDecider, parseEmail, requireLiveToken, type UserState } from '@accounts/domain';
import { PasswordHasher } from '@accounts/privacy';
import { commonPasswords } from '@accounts/common-passwords';
import { checkPasswordPolicy } from '@accounts/domain';
import { AggregateStore, derivedUuid } from '@accounts/aggregates';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import type { Handled } from '../../../commands/handled';
import { EmailReservations } from '../../email-reservations';
import { MailedTokens, tokenInvalid } from '../../mailed-tokens';
import { UserHandler } from '../../user-handler';
import { UserLookup } from '../../user-lookup';

/** The stream an address without an account is asked on: no user can ever hold it (as for logins). */
const NO_SUCH_USER = derivedUuid('password-reset', 'an address without an account');

/**
 * Password reset. A request does the same work whether or not the address has an account (the reservation, a user
 * stream, a token issued, one decision); only the decision differs, and the answer never does. Confirming checks
 * the token before the slow hash of the new password, and the decider checks it again on the state it appends to.
 */
@Injectable()
export class ResetPassword {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly reservations: EmailReservations,
    private readonly users: UserHandler,
    private readonly lookup: UserLookup,
    private readonly tokens: MailedTokens,
    private readonly passwords: PasswordHasher,
  ) {}

  async request(rawEmail: string, envelope: CommandEnvelope): Promise<void> {
    const email = parseEmail(rawEmail);
    const { state: reservation } = await this.aggregates.load(this.reservations.streamFor(email), emailReservationDecider);
    const userId = reservation.holder ?? NO_SUCH_USER;
    const reset = this.tokens.issue('password-reset', userId, envelope.now);
    await this.users.handle(userId, { type: 'RequestPasswordReset', data: { userId, email, reset, now: envelope.now } }, envelope);
  }

  async confirm(token: string, newPassword: string, envelope: CommandEnvelope): Promise<Handled<UserState>> {
    const presented = this.tokens.presented(token, 'password-reset');
    const user = await this.lookup.state(presented.userId);
    if (user.status !== 'active') throw tokenInvalid();
    requireLiveToken(user.passwordReset, presented, envelope.now);
    checkPasswordPolicy(newPassword, user.email, commonPasswords, 'newPassword');
    const passwordHash = await this.passwords.hash(newPassword);
    const { userId, tokenId, tokenHash } = presented;
    return this.users.handle(userId, { type: 'ResetPassword', data: { userId, tokenId, tokenHash, passwordHash, now: envelope.now } }, envelope);
  }
}
