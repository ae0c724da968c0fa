import type { FastifyInstance } from 'fastify';
import { ProblemError } from './problem';
import { sendProblem } from './problem-details.filter';

/** The API speaks JSON only: a command body of any other type is refused before it is parsed (415). */
export function requireJsonBodies(fastify: FastifyInstance): void {
  // A callback hook: reads (GET, DELETE) pass without a promise or a turn of the microtask queue.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.method === 'GET' || request.method === 'DELETE' || !request.url.startsWith('/v1/')) return done();
    const type = request.headers['content-type'];
    const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (!hasBody || (typeof type === 'string' && /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type))) return done();
    void sendProblem(reply, new ProblemError('unsupported_media_type', 'Send the request body as application/json.'));
  });
}
