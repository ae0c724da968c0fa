import { Injectable } from '@nestjs/common';
import { checkPasswordPolicy, parseEmail } from '@accounts/domain';
import { PasswordHasher } from '@accounts/privacy';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { commonPasswords } from '@accounts/common-passwords';
import { EmailReservations } from '../../email-reservations';
import { MailedTokens } from '../../mailed-tokens';
import { UserHandler } from '../../user-handler';

/** Reserve the address, then register (with the token mailed to prove the address): a crash in between leaves a reservation that goes stale, never a duplicate. */
@Injectable()
export class RegisterUser {
  constructor(
    private readonly users: UserHandler,
    private readonly reservations: EmailReservations,
    private readonly passwords: PasswordHasher,
    private readonly tokens: MailedTokens,
  ) {}

  async run(rawEmail: string, password: string, envelope: CommandEnvelope) {
    const email = parseEmail(rawEmail);
    checkPasswordPolicy(password, email, commonPasswords); // before hashing: hashing is slow on purpose
    const userId = envelope.newId('user');
    const passwordHash = await this.passwords.hash(password);
    await this.reservations.reserve(email, userId, envelope);
    const verification = this.tokens.issue('email-verification', userId, envelope.now);
    return this.users.handle(userId, { type: 'RegisterUser', data: { userId, email, passwordHash, verification, now: envelope.now } }, envelope);
  }
}
