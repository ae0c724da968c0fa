import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../http/request-context';
import { CONSOLE_SERVICE } from './staff-sessions';

/**
 * Only the service's own files: no inline script or style (every page's script and style are files under
 * /console/assets), no framing, forms post back here only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * The security headers on every console response, errors included. (HTML forms' bodies are parsed by Nest's own
 * urlencoded parser; /v1 refuses them before that, see json-only.ts.)
 */
export function registerConsoleHttp(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/console')) return;
    void reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('x-frame-options', 'DENY');
    void reply.header('referrer-policy', 'same-origin');
    if (!request.url.startsWith('/console/assets/')) void reply.header('cache-control', 'no-store');
  });
}

export function cookies(request: FastifyRequest): Record<string, string> {
  const header = request.headers.cookie;
  const jar: Record<string, string> = {};
  if (typeof header !== 'string') return jar;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) jar[part.slice(0, at).trim()] = decodeURIComponent(part.slice(at + 1).trim());
  }
  return jar;
}

export function setCookie(reply: FastifyReply, name: string, value: string, options: { secure: boolean; maxAgeSeconds?: number }): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/console', 'HttpOnly', 'SameSite=Strict'];
  if (options.secure) parts.push('Secure');
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  void reply.header('set-cookie', [...list, parts.join('; ')]);
}

/** The request as the service's commands see it: the console is the calling service, the person the actor. */
export function consoleContext(request: FastifyRequest & { correlationId?: string }, actorId?: string): RequestContext {
  return { service: CONSOLE_SERVICE, actorId, correlationId: request.correlationId ?? request.id, requestId: request.id, clientIp: request.ip };
}

/** A form posted from another origin is refused even with a valid token (SameSite=Strict already keeps its cookie). */
export function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

export function sendPage(reply: FastifyReply, page: string, status = 200): FastifyReply {
  return reply.status(status).header('content-type', 'text/html; charset=utf-8').send(page);
}

export function redirect(reply: FastifyReply, location: string): FastifyReply {
  return reply.status(303).header('location', location).send();
}
