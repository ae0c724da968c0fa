import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ContextualRequest } from './request-context';

const CORRELATION_ID = /^[\w.:-]{1,128}$/;

/**
 * `X-Correlation-Id`: taken from the caller when it is a sane token, generated otherwise, and echoed on every
 * response (errors included) so a caller can find its request in our logs and events.
 */
export function registerCorrelationIds(fastify: FastifyInstance): void {
  // A callback hook, not an async one: no promise and no extra turn of the microtask queue on every request.
  fastify.addHook('onRequest', (request: ContextualRequest, reply, done) => {
    const given = request.headers['x-correlation-id'];
    request.correlationId = typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
    void reply.header('x-correlation-id', request.correlationId);
    done();
  });
}
