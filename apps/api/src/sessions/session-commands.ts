import { createHmac, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError, emailReservationDecider, normaliseEmail, userDecider } from '../../../../libs/domain/src';
import { formatPosition } from '../../../../libs/event-store/src';
import { deriveKey, type MasterKey, newSessionToken, PasswordHasher, sessionTokenHash } from '../../../../libs/privacy/src';
import { AggregateStore } from '../commands/aggregate-store';
import type { CommandEnvelope } from '../commands/command-context';
import type { AppConfig } from '../../../../libs/config/src';
import { APP_CONFIG, MASTER_KEY } from '../infrastructure/tokens';
import { EmailReservations } from '../users/email-reservations';
import { UserLookup } from '../users/user-lookup';
import { userStream } from '../../../../libs/streams/src';

export interface NewSession {
  token: string;
  sessionId: string;
  userId: string;
  expiresAt: string;
  position: string | undefined;
}

const invalidCredentials = () => new DomainError('invalid_credentials', 'The email or password is wrong.');

/**
 * Login, logout and revocation: commands on the user's stream. The session's token is returned once and never
 * stored: events and Redis hold its SHA-256 only.
 */
@Injectable()
export class SessionCommands {
  private readonly tokenKey: KeyObject;

  constructor(
    private readonly aggregates: AggregateStore,
    private readonly reservations: EmailReservations,
    private readonly users: UserLookup,
    private readonly passwords: PasswordHasher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MASTER_KEY) master: MasterKey,
  ) {
    this.tokenKey = deriveKey(master, 'session-token');
  }

  async logIn(rawEmail: string, password: string, ip: string | undefined, envelope: CommandEnvelope, idSeed: string | undefined): Promise<NewSession> {
    // The address finds its user through the reservation stream (the write side), not the read model, so a user
    // can log in the moment registration returns. Every failure is the same 401, taking the same time.
    const email = normaliseEmail(rawEmail);
    const { state: reservation } = await this.aggregates.load(this.reservations.streamFor(email), emailReservationDecider);
    const user = reservation.holder ? await this.users.state(reservation.holder) : undefined;
    if (!user || user.status !== 'active' || user.email !== email) {
      await this.passwords.verifyAgainstDummy(password);
      throw invalidCredentials();
    }
    const passwordVerified = await this.passwords.verify(user.passwordHash, password);
    if (!passwordVerified) throw invalidCredentials();

    const sessionId = envelope.newId('session');
    // Derived from the request, so a repeat of the same login (same Idempotency-Key) gives back the same token
    // without it ever being stored; a fresh random token when there is no key to derive from.
    const token = idSeed ? createHmac('sha256', this.tokenKey).update(idSeed).digest('base64url') : newSessionToken();
    const expiresAt = new Date(Date.parse(envelope.now) + this.config.sessionTtlSeconds * 1000).toISOString();
    const outcome = await this.aggregates.execute(
      userStream(user.userId),
      userDecider,
      {
        type: 'LogIn',
        data: { userId: user.userId, sessionId, tokenHash: sessionTokenHash(token), expiresAt, ...(ip ? { ip } : {}), passwordVerified, now: envelope.now },
      },
      envelope.forAggregates(user.userId),
    );
    const stored = outcome.state.status === 'active' ? outcome.state.sessions[sessionId] : undefined;
    return { token, sessionId, userId: user.userId, expiresAt: stored ?? expiresAt, position: outcome.position && formatPosition(outcome.position) };
  }

  async revoke(userId: string, sessionId: string, envelope: CommandEnvelope): Promise<string | undefined> {
    const outcome = await this.aggregates.execute(
      userStream(userId),
      userDecider,
      { type: 'RevokeSession', data: { userId, sessionId, now: envelope.now } },
      envelope.forAggregates(userId),
    );
    return outcome.position && formatPosition(outcome.position);
  }

  async revokeAll(userId: string, envelope: CommandEnvelope): Promise<string | undefined> {
    const outcome = await this.aggregates.execute(
      userStream(userId),
      userDecider,
      { type: 'RevokeAllSessions', data: { userId, now: envelope.now } },
      envelope.forAggregates(userId),
    );
    return outcome.position && formatPosition(outcome.position);
  }
}
