import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics';
import type { ContextualRequest } from './request-context';

/**
 * One structured line per request, with its correlation id, calling service, route and timing. Headers and body go
 * through the logger's redaction (by path, then scrubbing), so keys, tokens, passwords and emails never appear.
 */
export function registerRequestLogging(fastify: FastifyInstance, logger: Logger, metrics?: Metrics): void {
  fastify.addHook('onResponse', async (request: ContextualRequest, reply) => {
    metrics?.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    logger.info(
      {
        correlationId: request.correlationId,
        requestId: request.id,
        service: request.accountsContext?.service.name,
        actorId: request.accountsContext?.actorId,
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    );
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ req: { url: request.url, headers: request.headers, body: request.body, ip: request.ip } }, 'request detail');
    }
  });
}

/** Nest's own messages through the same redacting logger. */
export function nestLogger(logger: Logger): LoggerService {
  return {
    log: (message: unknown, context?: string) => logger.info({ context }, String(message)),
    error: (message: unknown, _trace?: string, context?: string) => logger.error({ context }, String(message)),
    warn: (message: unknown, context?: string) => logger.warn({ context }, String(message)),
    debug: (message: unknown, context?: string) => logger.debug({ context }, String(message)),
    verbose: (message: unknown, context?: string) => logger.trace({ context }, String(message)),
  };
}
