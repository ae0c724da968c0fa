import { createHmac, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '@accounts/config';
import { DomainError, memberOf, organizationDecider, type Role } from '@accounts/domain';
import { parsePosition } from '@accounts/event-store';
import { deriveKey, type MasterKey, sessionTokenHash } from '@accounts/privacy';
import { organizationStream } from '@accounts/streams';
import { ConsistencyGate } from '@accounts/projections/consistency/consistency-gate';
import { SessionReader } from '@accounts/projections/sessions/session-reader';
import type { CallingService } from '../auth/service-keys';
import { AggregateStore } from '@accounts/aggregates';
import { CommandEnvelope } from '../commands/command-envelope';
import type { RequestContext } from '../http/request-context';
import { APP_CONFIG, MASTER_KEY } from '../infrastructure/tokens';
import { SessionCommands } from '../sessions/session-commands';
import { AttemptThrottle } from '../throttling/attempt-throttle';
import { UserHandler } from '../users/user-handler';

/** The console as a caller of the service's own commands: what its events record as their `service`. */
export const CONSOLE_SERVICE: CallingService = { name: 'console', scopes: new Set(['sessions', 'audit', 'ops']), requestsPerSecond: 1000, sendsClientIp: false };

/** A signed-in member of the staff organization, and what their role there lets them do. */
export interface Staff {
  userId: string;
  sessionId: string;
  role: Role;
  /** admin and owner: projections and their controls. */
  mayOperate: boolean;
  /** owner only: personal data unmasked (each reveal recorded). */
  mayReveal: boolean;
  /** The CSRF token of this session: HMAC of its id, so it needs no storage and dies with the session. */
  csrf: string;
}

export type Identified = { staff: Staff } | { refused: 'signed_out' | 'not_staff'; sessionId?: string; userId?: string };

const TOKEN = /^[A-Za-z0-9_-]{20,128}$/;

/**
 * Console sign-in on the service's own sessions: the login command (`SessionCommands.logIn`, the one behind
 * POST /v1/sessions) behind the same throttle, and the session check of GET /v1/sessions/current. The role is read
 * from the staff organization's stream (the write side), so a member removed from it loses the console at once.
 */
@Injectable()
export class StaffSessions {
  private readonly csrfKey: KeyObject;

  constructor(
    private readonly sessions: SessionCommands,
    private readonly reader: SessionReader,
    private readonly throttle: AttemptThrottle,
    private readonly gate: ConsistencyGate,
    private readonly aggregates: AggregateStore,
    private readonly users: UserHandler,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MASTER_KEY) master: MasterKey,
  ) {
    this.csrfKey = deriveKey(master, 'console-csrf');
  }

  /** Signs in; the token is the session's, handed to the browser once, as an HttpOnly cookie. */
  async signIn(email: string, password: string, context: RequestContext): Promise<{ token: string; staff: Staff | undefined }> {
    const attempt = await this.throttle.begin('login', email, context.clientIp);
    let outcome;
    try {
      outcome = await this.sessions.logIn(email, password, context.clientIp, new CommandEnvelope(context, undefined));
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'invalid_credentials')) await attempt.abandoned();
      throw error;
    }
    await attempt.succeeded();
    const { token, sessionId, userId } = outcome.session;
    // The next page checks the session through its projection: wait until the login is projected (at most 5 s).
    const position = outcome.position ? parsePosition(outcome.position) : undefined;
    if (position) await this.gate.waitFor('sessions', position);
    const role = await this.roleOf(userId);
    if (!role) {
      await this.signOut(userId, sessionId, context);
      return { token, staff: undefined };
    }
    return { token, staff: this.staff(userId, sessionId, role) };
  }

  async identify(token: string | undefined): Promise<Identified> {
    if (!token || !TOKEN.test(token)) return { refused: 'signed_out' };
    const session = await this.reader.validate(sessionTokenHash(token));
    if (!session) return { refused: 'signed_out' };
    const role = await this.roleOf(session.userId);
    if (!role) return { refused: 'not_staff', sessionId: session.sessionId, userId: session.userId };
    return { staff: this.staff(session.userId, session.sessionId, role) };
  }

  /** Ends the session with the user's own RevokeSession command (the person is the actor). */
  async signOut(userId: string, sessionId: string, context: RequestContext): Promise<void> {
    const envelope = new CommandEnvelope({ ...context, actorId: userId }, undefined);
    await this.users.handle(userId, { type: 'RevokeSession', data: { userId, sessionId, now: envelope.now } }, envelope);
  }

  csrfFor(bound: string): string {
    return createHmac('sha256', this.csrfKey).update(bound).digest('base64url');
  }

  /** Constant-time check of a form's token against the one bound to `bound` (a session id, or a pre-session). */
  csrfValid(bound: string, presented: unknown): boolean {
    if (typeof presented !== 'string' || presented.length > 100) return false;
    const expected = Buffer.from(this.csrfFor(bound));
    const given = Buffer.from(presented);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** A random value for the sign-in form's CSRF cookie (before there is a session to bind a token to). */
  newPreSession(): string {
    return randomBytes(24).toString('base64url');
  }

  private async roleOf(userId: string): Promise<Role | undefined> {
    const organizationId = this.config.consoleOrganizationId;
    if (!organizationId) return undefined;
    const { state } = await this.aggregates.load(organizationStream(organizationId), organizationDecider);
    return state.status === 'active' ? memberOf(state, userId)?.role : undefined;
  }

  private staff(userId: string, sessionId: string, role: Role): Staff {
    return { userId, sessionId, role, mayOperate: role !== 'member', mayReveal: role === 'owner', csrf: this.csrfFor(`session:${sessionId}`) };
  }
}
