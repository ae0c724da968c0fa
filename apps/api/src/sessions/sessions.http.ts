import { Body, Controller, Delete, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../../../../libs/domain/src';
import { sessionTokenHash } from '../../../../libs/privacy/src';
import { SessionReader } from '../../../../projections/src/sessions/session-reader';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { CommandEnvelope } from '../commands/command-context';
import { withPosition } from '../commands/command-response';
import { ProblemError } from '../http/problem';
import { Ctx, type RequestContext } from '../http/request-context';
import { type IdempotentRequest, IdempotencyInterceptor, RerunOnRepeat } from '../idempotency/idempotency.interceptor';
import { Documented } from '../openapi/documented.decorator';
import { ReadsFrom } from '../queries/consistent-with';
import { AttemptThrottle } from '../throttling/attempt-throttle';
import { UserLookup } from '../users/user-lookup';
import { SessionCommands } from './session-commands';

const LoginRequest = z.strictObject({ email: z.string().max(1024), password: z.string().max(1024) });
const SessionResponse = z.object({ token: z.string(), sessionId: z.uuid(), userId: z.uuid(), expiresAt: z.iso.datetime() });
const TOKEN = /^[A-Za-z0-9_-]{20,128}$/;

const sessionInvalid = () => new ProblemError('session_invalid', 'The session is expired, revoked or unknown.');

@Controller('v1')
@RequiresScope('sessions')
export class SessionsHttpController {
  constructor(
    private readonly sessions: SessionCommands,
    private readonly reader: SessionReader,
    private readonly users: UserLookup,
    private readonly throttle: AttemptThrottle,
  ) {}

  @Post('sessions')
  @HttpCode(201)
  @UseInterceptors(IdempotencyInterceptor)
  @RerunOnRepeat()
  @Documented({ summary: 'Log in: returns the session token once', body: LoginRequest, response: SessionResponse, errors: ['invalid_credentials', 'too_many_attempts'] })
  async logIn(
    @Body({ schema: LoginRequest }) body: z.infer<typeof LoginRequest>,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    // Counted before the password is checked (a failure until it succeeds), so concurrent guesses cannot slip past.
    const attempt = await this.throttle.begin('login', body.email, context.clientIp);
    let session;
    try {
      session = await this.sessions.logIn(body.email, body.password, context.clientIp, CommandEnvelope.from(context, request), request.commandIdSeed);
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'invalid_credentials')) await attempt.abandoned();
      throw error;
    }
    await attempt.succeeded();
    withPosition(reply, session.position);
    void reply.header('cache-control', 'no-store');
    return { token: session.token, sessionId: session.sessionId, userId: session.userId, expiresAt: session.expiresAt };
  }

  @Get('sessions/current')
  @ReadsFrom('sessions')
  @Documented({ summary: 'Validate a session token (X-Session-Token)', errors: ['session_invalid', 'projection_lagging'] })
  async current(@Headers('x-session-token') token: string | undefined) {
    if (typeof token !== 'string' || !TOKEN.test(token)) throw sessionInvalid();
    const session = await this.reader.validate(sessionTokenHash(token));
    if (!session) throw sessionInvalid();
    return { sessionId: session.sessionId, userId: session.userId, expiresAt: session.expiresAt };
  }

  @Get('users/:id/sessions')
  @ReadsFrom('sessions')
  @Documented({ summary: "A user's active sessions, without tokens", errors: ['user_not_found', 'projection_lagging'] })
  async list(@Param('id', new ParseUUIDPipe()) userId: string) {
    const id = userId.toLowerCase();
    if (!(await this.users.isActive(id))) throw new DomainError('user_not_found', 'No such user.');
    const sessions = await this.reader.listForUser(id);
    return { items: sessions.map((s) => ({ sessionId: s.sessionId, createdAt: s.createdAt, expiresAt: s.expiresAt })) };
  }

  @Delete('sessions/:sessionId')
  @HttpCode(204)
  @UseInterceptors(IdempotencyInterceptor)
  @Documented({ summary: 'Log out one session' })
  async logOut(
    @Param('sessionId', new ParseUUIDPipe()) sessionId: string,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    // Logging out an unknown or already ended session is not an error: the outcome the caller wants holds.
    const owner = await this.reader.ownerOf(sessionId.toLowerCase());
    if (!owner) return;
    withPosition(reply, await this.sessions.revoke(owner, sessionId.toLowerCase(), CommandEnvelope.from(context, request)));
  }

  @Delete('users/:id/sessions')
  @HttpCode(204)
  @UseInterceptors(IdempotencyInterceptor)
  @Documented({ summary: 'Revoke every session of a user', errors: ['user_not_found'] })
  async revokeAll(
    @Param('id', new ParseUUIDPipe()) userId: string,
    @Ctx() context: RequestContext,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    withPosition(reply, await this.sessions.revokeAll(userId.toLowerCase(), CommandEnvelope.from(context, request)));
  }
}
