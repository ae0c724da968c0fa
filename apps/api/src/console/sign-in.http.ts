import { Controller, Get, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Inject } from '@nestjs/common';
import type { AppConfig } from '@accounts/config';
import { DomainError } from '@accounts/domain';
import { PublicRoute } from '../auth/requires-scope.decorator';
import { ProblemError } from '../http/problem';
import { APP_CONFIG } from '../infrastructure/tokens';
import { ConsolePageFilter } from './console-page.filter';
import { consoleContext, cookies, redirect, sameOrigin, sendPage, setCookie } from './console-http';
import { html, layout } from './html';
import { SESSION_COOKIE, StaffGate } from './staff-gate';
import { StaffSessions } from './staff-sessions';

const PRE_SESSION_COOKIE = 'console_presession';

/** Signing in and out of the console (the service's own sessions, through the login throttle). */
@Controller('console')
@PublicRoute()
@UseFilters(ConsolePageFilter)
export class SignInHttpController {
  constructor(
    private readonly sessions: StaffSessions,
    private readonly gate: StaffGate,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const identified = await this.sessions.identify(cookies(request)[SESSION_COOKIE]);
    return redirect(reply, 'staff' in identified ? (identified.staff.mayOperate ? '/console/operations' : '/console/audit') : '/console/sign-in');
  }

  @Get('sign-in')
  signInForm(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.form(request, reply, undefined, 200);
  }

  @Post('sign-in')
  async signIn(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const pre = cookies(request)[PRE_SESSION_COOKIE];
    if (!pre || !sameOrigin(request) || !this.sessions.csrfValid(`pre:${pre}`, body['_csrf'])) {
      return this.form(request, reply, 'The form expired. Please sign in again.', 403);
    }
    const { email, password } = body;
    if (typeof email !== 'string' || typeof password !== 'string' || !email || !password || email.length > 1024 || password.length > 1024) {
      return this.form(request, reply, 'Enter your email and password.', 422);
    }
    try {
      const { token, staff } = await this.sessions.signIn(email, password, consoleContext(request));
      if (!staff) return this.form(request, reply, 'This account is not a member of the staff organization.', 403);
      setCookie(reply, SESSION_COOKIE, token, { secure: this.config.consoleSecureCookies, maxAgeSeconds: this.config.sessionTtlSeconds });
      setCookie(reply, PRE_SESSION_COOKIE, '', { secure: this.config.consoleSecureCookies, maxAgeSeconds: 0 });
      return redirect(reply, staff.mayOperate ? '/console/operations' : '/console/audit');
    } catch (error) {
      if (error instanceof DomainError && error.code === 'invalid_credentials') return this.form(request, reply, 'The email or password is wrong.', 401);
      if (error instanceof ProblemError && error.code === 'too_many_attempts') {
        void reply.header('retry-after', String(error.retryAfterSeconds ?? 60));
        return this.form(request, reply, `Too many failed attempts. Try again in ${error.retryAfterSeconds ?? 60} seconds.`, 429);
      }
      throw error;
    }
  }

  @Post('sign-out')
  async signOut(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const staff = await this.gate.admit(request, reply, 'audit');
    if (!staff) return reply;
    await this.sessions.signOut(staff.userId, staff.sessionId, consoleContext(request, staff.userId));
    setCookie(reply, SESSION_COOKIE, '', { secure: this.config.consoleSecureCookies, maxAgeSeconds: 0 });
    return redirect(reply, '/console/sign-in');
  }

  /** The sign-in form, with a CSRF token bound to a fresh pre-session cookie (login CSRF: nobody signs you in as them). */
  private form(request: FastifyRequest, reply: FastifyReply, error: string | undefined, status: number) {
    const pre = cookies(request)[PRE_SESSION_COOKIE] ?? this.sessions.newPreSession();
    setCookie(reply, PRE_SESSION_COOKIE, pre, { secure: this.config.consoleSecureCookies, maxAgeSeconds: 3600 });
    const body = html`${error ? html`<p role="alert" class="error" id="sign-in-error">${error}</p>` : ''}
<form method="post" action="/console/sign-in" class="sign-in"${error ? html` aria-describedby="sign-in-error"` : ''}>
  <input type="hidden" name="_csrf" value="${this.sessions.csrfFor(`pre:${pre}`)}">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required maxlength="1024">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
  <button type="submit">Sign in</button>
</form>
<p>Sign in with your own account. What you may do comes from your role in the staff organization.</p>`;
    return sendPage(reply, layout('Sign in', undefined, body), status);
  }
}
