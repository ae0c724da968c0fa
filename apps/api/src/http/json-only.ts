import type { FastifyInstance } from 'fastify';
import { problemDocument } from './problem';

/** The API speaks JSON only: a command body of any other type is refused before it is parsed (415). */
export function requireJsonBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/') || request.method === 'GET' || request.method === 'DELETE') return;
    const type = request.headers['content-type'];
    const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (!hasBody || (typeof type === 'string' && /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type))) return;
    await reply
      .status(415)
      .header('content-type', 'application/problem+json; charset=utf-8')
      .send(problemDocument('unsupported_media_type', 'Send the request body as application/json.'));
  });
}
