import { createHmac, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { emailReservationDecider, normaliseEmail, repeatedLogIn, type UserState } from '@accounts/domain';
import { deriveKey, type MasterKey, newSessionToken, PasswordHasher, sessionTokenHash } from '@accounts/privacy';
import type { AppConfig } from '@accounts/config';
import { AggregateStore, derivedUuid } from '@accounts/aggregates';
import type { CommandEnvelope } from '../commands/command-envelope';
import type { Handled } from '../commands/handled';
import { APP_CONFIG, MASTER_KEY } from '../infrastructure/tokens';
import { EmailReservations } from '../users/email-reservations';
import { UserHandler } from '../users/user-handler';
import { UserLookup } from '../users/user-lookup';

export interface NewSession {
  token: string;
  sessionId: string;
  userId: string;
  expiresAt: string;
}

/**
 * The user an address without an account is looked up as: a user stream nobody can ever hold (ids of registered
 * users are derived from their own requests), so an unknown address costs the same reads as a known one.
 */
const NO_SUCH_USER = derivedUuid('login', 'an address without an account');

/**
 * Login: a command on the user's stream. The session's token is returned once and never stored: events and Redis
 * hold its SHA-256 only. Logout and revocation are plain user commands (the routes call the user handler).
 */
@Injectable()
export class SessionCommands {
  private readonly tokenKey: KeyObject;

  constructor(
    private readonly aggregates: AggregateStore,
    private readonly reservations: EmailReservations,
    private readonly lookup: UserLookup,
    private readonly users: UserHandler,
    private readonly passwords: PasswordHasher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MASTER_KEY) master: MasterKey,
  ) {
    this.tokenKey = deriveKey(master, 'session-token');
  }

  /**
   * The address finds its user through the reservation stream (the write side), not the read model, so a user can
   * log in the moment registration returns. Known address or not, the work is the same: the reservation, a user
   * stream, one password verification, one decision; and every refusal is the decider's one 401.
   */
  async logIn(rawEmail: string, password: string, ip: string | undefined, envelope: CommandEnvelope): Promise<Handled<UserState> & { session: NewSession }> {
    const email = normaliseEmail(rawEmail);
    const { state: reservation } = await this.aggregates.load(this.reservations.streamFor(email), emailReservationDecider);
    const userId = reservation.holder ?? NO_SUCH_USER;
    const user = await this.lookup.state(userId);
    const hash = user.status === 'active' ? user.passwordHash : undefined;
    const verified = hash !== undefined ? await this.passwords.verify(hash, password) : await this.passwords.verifyAgainstDummy(password);

    const sessionId = envelope.newId('session');
    // Derived from the request, so a repeat of the same login (same Idempotency-Key) gives back the same token
    // without it ever being stored; a fresh random token when there is no key to derive from.
    const token = envelope.idSeed ? createHmac('sha256', this.tokenKey).update(envelope.idSeed).digest('base64url') : newSessionToken();
    const expiresAt = new Date(Date.parse(envelope.now) + this.config.sessionTtlSeconds * 1000).toISOString();
    const tokenHash = sessionTokenHash(token);
    const data = { userId, email, sessionId, tokenHash, expiresAt, ...(ip ? { ip } : {}), verifiedAgainst: verified ? hash : undefined, now: envelope.now };
    const outcome = await this.users.handle(userId, { type: 'LogIn', data }, envelope);
    // A repeat is answered with the first login's session only while it lives (the domain's rule says why).
    const liveUntil = outcome.alreadyApplied ? repeatedLogIn(outcome.state, sessionId, envelope.now) : expiresAt;
    return { ...outcome, aboutUser: undefined, session: { token, sessionId, userId, expiresAt: liveUntil } };
  }
}
