import { Injectable } from '@nestjs/common';
import { checkPasswordPolicy, parseEmail } from '../../../../../../libs/domain/src';
import { PasswordHasher } from '../../../../../../libs/privacy/src';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import { commonPasswords } from '../../../../../../libs/common-passwords/src';
import { EmailReservations } from '../../email-reservations';
import { UserHandler } from '../../user-handler';

/** Reserve the address, then register: a crash in between leaves a reservation that goes stale, never a duplicate. */
@Injectable()
export class RegisterUser {
  constructor(
    private readonly users: UserHandler,
    private readonly reservations: EmailReservations,
    private readonly passwords: PasswordHasher,
  ) {}

  async run(rawEmail: string, password: string, envelope: CommandEnvelope) {
    const email = parseEmail(rawEmail);
    checkPasswordPolicy(password, email, commonPasswords); // before hashing: hashing is slow on purpose
    const userId = envelope.newId('user');
    const passwordHash = await this.passwords.hash(password);
    await this.reservations.reserve(email, userId, envelope);
    return this.users.handle(userId, { type: 'RegisterUser', data: { userId, email, passwordHash, now: envelope.now } }, envelope);
  }
}
