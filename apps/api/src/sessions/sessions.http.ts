import { Controller, Header, Inject } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '@accounts/domain';
import type { EventStore } from '@accounts/event-store';
import { sessionTokenHash } from '@accounts/privacy';
import { ConsistencyGate } from '@accounts/projections/consistency/consistency-gate';
import { SessionReader } from '@accounts/projections/sessions/session-reader';
import type { CommandEnvelope } from '../commands/command-envelope';
import { Envelope, respond } from '../commands/command-route';
import { PlainRoute } from '../contract/plain-route';
import { defineRoute, Input, Route, type RouteInput } from '../contract/route-contract';
import { PathId } from '../http/ids';
import { ProblemError } from '../http/problem';
import { EVENT_STORE } from '../infrastructure/tokens';
import { Ctx, type RequestContext } from '../http/request-context';
import { RerunOnRepeat } from '../idempotency/idempotency.interceptor';
import { UserHandler } from '../users/user-handler';
import { AttemptThrottle } from '../throttling/attempt-throttle';
import { UserLookup } from '../users/user-lookup';
import { SessionCommands } from './session-commands';

const LoginRequest = z.strictObject({ email: z.string().max(1024), password: z.string().max(1024) });
const SessionResponse = z.object({ token: z.string(), sessionId: z.uuid(), userId: z.uuid(), expiresAt: z.iso.datetime() });
const SessionView = z.object({ sessionId: z.uuid(), userId: z.uuid(), expiresAt: z.iso.datetime() });
const TOKEN = /^[A-Za-z0-9_-]{20,128}$/;

export const LogInRoute = defineRoute({
  id: 'logIn',
  summary: 'Log in: returns the session token once',
  method: 'POST',
  path: '/v1/sessions',
  scope: 'sessions',
  command: true,
  body: LoginRequest,
  responses: { 201: SessionResponse },
  errors: ['invalid_credentials', 'session_invalid', 'too_many_attempts'],
});

export const CurrentSessionRoute = defineRoute({
  id: 'currentSession',
  summary: 'Validate a session token (X-Session-Token)',
  method: 'GET',
  path: '/v1/sessions/current',
  scope: 'sessions',
  readsFrom: 'sessions',
  // Any value is taken: one that cannot be a token is answered as an unknown one (401 session_invalid).
  headers: z.object({ 'x-session-token': z.string().optional() }),
  responses: { 200: SessionView },
  errors: ['session_invalid'],
});

export const ListSessionsRoute = defineRoute({
  id: 'listSessions',
  summary: "A user's active sessions, without tokens",
  method: 'GET',
  path: '/v1/users/:id/sessions',
  scope: 'sessions',
  readsFrom: 'sessions',
  params: { id: PathId },
  responses: { 200: z.object({ items: z.array(z.object({ sessionId: z.uuid(), createdAt: z.iso.datetime(), expiresAt: z.iso.datetime() })) }) },
  errors: ['user_not_found'],
});

export const LogOutRoute = defineRoute({
  id: 'logOut',
  summary: 'Log out one session (its user, or a key with users:manage)',
  method: 'DELETE',
  path: '/v1/sessions/:sessionId',
  scope: 'sessions',
  command: true,
  actor: 'required',
  params: { sessionId: PathId },
  responses: { 204: null },
  errors: ['forbidden', 'user_not_found', 'projection_lagging'],
});

export const RevokeAllSessionsRoute = defineRoute({
  id: 'revokeAllSessions',
  summary: 'Revoke every session of a user (the user, or a key with users:manage)',
  method: 'DELETE',
  path: '/v1/users/:id/sessions',
  scope: 'sessions',
  command: true,
  actor: 'required',
  params: { id: PathId },
  responses: { 204: null },
  errors: ['user_not_found', 'forbidden'],
});

const sessionInvalid = () => new ProblemError('session_invalid', 'The session is expired, revoked or unknown.');

@Controller()
export class SessionsHttpController {
  constructor(
    private readonly sessions: SessionCommands,
    private readonly reader: SessionReader,
    private readonly users: UserLookup,
    private readonly userCommands: UserHandler,
    private readonly throttle: AttemptThrottle,
    private readonly gate: ConsistencyGate,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  @Route(LogInRoute)
  @RerunOnRepeat()
  @Header('cache-control', 'no-store')
  async logIn(@Input() { body }: RouteInput<typeof LogInRoute>, @Ctx() context: RequestContext, @Envelope() envelope: CommandEnvelope) {
    // Counted before the password is checked (a failure until it succeeds), so concurrent guesses cannot slip past.
    const attempt = await this.throttle.begin('login', body.email, context.clientIp);
    let outcome;
    try {
      outcome = await this.sessions.logIn(body.email, body.password, context.clientIp, envelope);
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'invalid_credentials')) await attempt.abandoned();
      throw error;
    }
    await attempt.succeeded();
    return respond(outcome.session, outcome);
  }

  // The hottest route: served by Fastify directly (see PlainRoute), with the same checks, budget, errors and logs.
  @PlainRoute(CurrentSessionRoute)
  async current({ headers }: RouteInput<typeof CurrentSessionRoute>) {
    const token = headers['x-session-token'];
    if (typeof token !== 'string' || !TOKEN.test(token)) throw sessionInvalid();
    const session = await this.reader.validate(sessionTokenHash(token));
    if (!session) throw sessionInvalid();
    return { sessionId: session.sessionId, userId: session.userId, expiresAt: session.expiresAt };
  }

  @Route(ListSessionsRoute)
  async list(@Input() { params: { id } }: RouteInput<typeof ListSessionsRoute>) {
    if (!(await this.users.isActive(id))) throw new DomainError('user_not_found', 'No such user.');
    const sessions = await this.reader.listForUser(id);
    return { items: sessions.map((s) => ({ sessionId: s.sessionId, createdAt: s.createdAt, expiresAt: s.expiresAt })) };
  }

  @Route(LogOutRoute)
  async logOut(@Input() { params: { sessionId } }: RouteInput<typeof LogOutRoute>, @Envelope() envelope: CommandEnvelope) {
    // Logging out an unknown or already ended session is not an error: the outcome the caller wants holds.
    const owner = await this.ownerOfSession(sessionId);
    if (!owner) return respond(undefined, { position: undefined, aboutUser: undefined });
    return respond(undefined, await this.userCommands.handle(owner, { type: 'RevokeSession', data: { userId: owner, sessionId, now: envelope.now } }, envelope));
  }

  @Route(RevokeAllSessionsRoute)
  async revokeAll(@Input() { params: { id: userId } }: RouteInput<typeof RevokeAllSessionsRoute>, @Envelope() envelope: CommandEnvelope) {
    return respond(undefined, await this.userCommands.handle(userId, { type: 'RevokeAllSessions', data: { userId, now: envelope.now } }, envelope));
  }

  /**
   * The session's user, from the sessions projection. A session it does not know may be one that logged in a moment
   * ago and is not projected yet: before calling it unknown, wait (at most 5 s) until the projection has caught up
   * with every event stored now; otherwise a logout inside the lag answers 204 and leaves the session live.
   */
  private async ownerOfSession(sessionId: string): Promise<string | undefined> {
    const owner = await this.reader.ownerOf(sessionId);
    if (owner) return owner;
    const head = await this.eventStore.headPosition();
    if (head && !(await this.gate.waitFor('sessions', head))) {
      throw new ProblemError('projection_lagging', 'Recent logins are not projected yet, so this session cannot be found; retry shortly.');
    }
    return this.reader.ownerOf(sessionId);
  }
}
