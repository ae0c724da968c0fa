import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics';
import { safeFields, scrubText } from '@accounts/privacy';
import type { ContextualRequest } from './request-context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One structured line per request, with its correlation id, calling service, route and timing. Headers and body go
 * through the logger's redaction (by path, then scrubbing), so keys, tokens, passwords and emails never appear.
 */
export function registerRequestLogging(fastify: FastifyInstance, logger: Logger, metrics?: Metrics): void {
  // One histogram child per (method, route, status), found by one string: prom-client otherwise hashes the labels
  // object on every observation, a measurable part of a session check.
  const series = new Map<string, { observe(seconds: number): void }>();
  const observe = (method: string, route: string, status: string, seconds: number) => {
    if (!metrics) return;
    const name = `${method} ${status} ${route}`;
    let child = series.get(name);
    if (!child) series.set(name, (child = metrics.httpDuration.labels(method, route, status)));
    child.observe(seconds);
  };
  // Levels are fixed for the process's life: asked once, not per request.
  const logsRequests = logger.isLevelEnabled('info');
  const logsDetail = logger.isLevelEnabled('debug');
  fastify.addHook('onResponse', (request: ContextualRequest, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    observe(request.method, route, String(reply.statusCode), reply.elapsedTime / 1000);
    if (logsRequests) {
      // Every field is an id we made or checked, a configured name, a route template or a number, so the line skips
      // the logger's scrubbing (safeFields); a correlation id the caller chose is scrubbed unless it is a UUID.
      const correlationId = request.correlationId === undefined || UUID.test(request.correlationId) ? request.correlationId : scrubText(request.correlationId);
      logger.info(
        safeFields({
          correlationId,
          requestId: request.id,
          service: request.accountsContext?.service.name,
          actorId: request.accountsContext?.actorId,
          method: request.method,
          route,
          status: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
        }),
        'request',
      );
    }
    if (logsDetail) {
      logger.debug({ req: { url: redactedUrl(request.url), headers: request.headers, body: request.body, ip: request.ip } }, 'request detail');
    }
    done();
  });
}

/** Query parameters whose values say nothing about a person, and are kept in debug logs. */
const PLAIN_PARAMETERS = new Set(['limit', 'plan', 'status', 'type', 'types', 'waitSeconds', 'at', 'from', 'to']);

/**
 * The path as requested (scrubbed by the logger, percent-decoded) and the query with every value redacted but the
 * plain ones above: a search `q` or an `email` is personal data however it is encoded.
 */
export function redactedUrl(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const query = new URLSearchParams(url.slice(start + 1));
  const kept = [...query.keys()].map((name) => `${encodeURIComponent(name)}=${PLAIN_PARAMETERS.has(name) ? encodeURIComponent(query.get(name) ?? '') : '[redacted]'}`);
  return `${url.slice(0, start)}?${kept.join('&')}`;
}

/**
 * Nest's own messages through the same redacting logger. A message that is an object (`logger.error({...}, ...)`)
 * becomes the line's fields, not `"[object Object]"`; an Error keeps its class, message and stack (scrubbed).
 */
export function nestLogger(logger: Logger): LoggerService {
  const write = (level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, context: string | undefined, extra: unknown[] = []) => {
    const fields = { context, ...Object.fromEntries(extra.filter((part) => typeof part === 'object' && part !== null).flatMap((part) => Object.entries(part as object))) };
    if (message instanceof Error) logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) logger[level]({ ...fields, ...(message as object) }, String(extra.find((part) => typeof part === 'string') ?? ''));
    else logger[level](fields, String(message));
  };
  return {
    log: (message: unknown, context?: string) => write('info', message, context),
    error: (message: unknown, ...rest: unknown[]) => write('error', message, lastString(rest), rest),
    warn: (message: unknown, context?: string) => write('warn', message, context),
    debug: (message: unknown, context?: string) => write('debug', message, context),
    verbose: (message: unknown, context?: string) => write('trace', message, context),
  };
}

function lastString(parts: unknown[]): string | undefined {
  return [...parts].reverse().find((part): part is string => typeof part === 'string');
}
