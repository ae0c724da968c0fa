import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { consoleContext, cookies, redirect, sameOrigin, sendPage } from './console-http';
import { html, layout } from './html';
import { type Staff, StaffSessions } from './staff-sessions';

export const SESSION_COOKIE = 'console_session';

/** What a page needs of the person: any staff role (audit), admin or owner (operations), owner (unmasked data). */
export type Need = 'audit' | 'operate' | 'reveal';

/**
 * The one check in front of every console page and form: a signed-in member of the staff organization with the role
 * the page needs, and, on every POST, the session's CSRF token and a same-origin request. Anything else gets the
 * sign-in page (signed out) or a 403 page, and nothing is changed.
 */
@Injectable()
export class StaffGate {
  constructor(private readonly sessions: StaffSessions) {}

  async admit(request: FastifyRequest, reply: FastifyReply, need: Need): Promise<Staff | undefined> {
    const identified = await this.sessions.identify(cookies(request)[SESSION_COOKIE]);
    if ('refused' in identified) {
      if (identified.refused === 'signed_out') {
        redirect(reply, '/console/sign-in');
        return undefined;
      }
      sendPage(reply, layout('Not a member of the staff organization', undefined, html`<p>This account is not a member of the staff organization, so it cannot use the console.</p><p><a href="/console/sign-in">Sign in with another account</a></p>`), 403);
      return undefined;
    }
    const { staff } = identified;
    if (request.method === 'POST') {
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (!sameOrigin(request) || !this.sessions.csrfValid(`session:${staff.sessionId}`, body['_csrf'])) {
        sendPage(reply, layout('Request refused', staff, html`<p role="alert">This form was not sent by this console (its security token is missing or stale). Go back, reload the page and try again.</p>`), 403);
        return undefined;
      }
    }
    if ((need === 'operate' && !staff.mayOperate) || (need === 'reveal' && !staff.mayReveal)) {
      const what = need === 'operate' ? 'Operations are for admins and owners of the staff organization.' : 'Revealing personal data is for owners of the staff organization.';
      sendPage(reply, layout('Not allowed', staff, html`<p role="alert">${what} Your role is ${staff.role}.</p>`), 403);
      return undefined;
    }
    return staff;
  }

  context(request: FastifyRequest, staff?: Staff) {
    return consoleContext(request, staff?.userId);
  }
}
