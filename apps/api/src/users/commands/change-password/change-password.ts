import { Injectable } from '@nestjs/common';
import { checkPasswordPolicy, DomainError, requireMayActFor, type UserState } from '@accounts/domain';
import { PasswordHasher } from '@accounts/privacy';
import type { CommandEnvelope } from '../../../commands/command-envelope';
import type { Handled } from '../../../commands/handled';
import { ActingUser } from '../../acting-user';
import { UserHandler } from '../../user-handler';
import { UserLookup } from '../../user-lookup';
import { commonPasswords } from '@accounts/common-passwords';

/** How often a password verified against a hash that changed meanwhile is verified again against the new one. */
const MAX_VERIFICATIONS = 3;

/**
 * Verifies the current password against the hash the user has, hashes the new one, and lets the decider accept the
 * change only if that hash is still the user's at the expected revision: of concurrent changes with the same current
 * password, one wins and the others are `invalid_credentials`. Who may act is asked first, so the route never tells
 * an outsider whether a guessed password was right.
 */
@Injectable()
export class ChangePassword {
  constructor(
    private readonly users: UserHandler,
    private readonly lookup: UserLookup,
    private readonly acting: ActingUser,
    private readonly passwords: PasswordHasher,
  ) {}

  async run(userId: string, currentPassword: string, newPassword: string, envelope: CommandEnvelope): Promise<Handled<UserState>> {
    requireMayActFor(userId, await this.acting.of(envelope));
    for (let verification = 1; ; verification++) {
      const user = await this.lookup.state(userId);
      // An unknown user costs the same verification as a wrong password, and gets the same answer from the decider.
      const hash = user.status === 'active' ? user.passwordHash : undefined;
      const verified = hash !== undefined ? await this.passwords.verify(hash, currentPassword) : await this.passwords.verifyAgainstDummy(currentPassword);
      if (verified && user.status === 'active') checkPasswordPolicy(newPassword, user.email, commonPasswords, 'newPassword');
      const passwordHash = verified ? await this.passwords.hash(newPassword) : '';
      try {
        return await this.users.handle(userId, { type: 'ChangePassword', data: { userId, passwordHash, verifiedAgainst: verified ? hash : undefined, now: envelope.now } }, envelope);
      } catch (error) {
        // Refused because the hash changed after it was verified: verify again against the new one (it may be a
        // re-hash of the same password); a password that was changed is then simply wrong.
        const stale = verified && error instanceof DomainError && error.code === 'invalid_credentials';
        if (!stale || verification >= MAX_VERIFICATIONS) throw error;
      }
    }
  }
}
