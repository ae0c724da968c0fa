import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RedisClient } from '../../../../libs/config/src';
import { type CallingService, ServiceKeys } from '../auth/service-keys';
import { problemDocument } from '../http/problem';

/** Routes any caller may reach without a budget: probes and scrapes must work when a key is over its budget. */
const EXEMPT = /^\/(?:health\/|metrics(?:[/?]|$))/;
const WINDOW_MS = 1000;
const POLICY = 'per-key';

/**
 * Per-key request budgets (API.md, "Who may act, and how much"): each service key may make `requestsPerSecond`
 * requests a second (`:<n>/s` in its SERVICE_KEYS entry, else the default), counted in Redis by
 * @fastify/rate-limit, so every API process shares the count. Every budgeted response carries the IETF
 * `RateLimit-Policy` and `RateLimit` headers; past the budget, 429 `rate_limited` with `Retry-After`. Requests
 * without a valid key are not counted here: the guard refuses them, at the cost of one hash.
 */
export async function registerRequestBudgets(fastify: FastifyInstance, redis: RedisClient, keys: ServiceKeys): Promise<void> {
  const known = new WeakMap<FastifyRequest, CallingService | undefined>();
  const serviceOf = (request: FastifyRequest): CallingService | undefined => {
    if (!known.has(request)) {
      const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(request.headers.authorization ?? '');
      known.set(request, match ? keys.authenticate(match[1]!) : undefined);
    }
    return known.get(request);
  };
  await fastify.register(fastifyRateLimit, {
    global: false,
    redis,
    nameSpace: 'budget:',
    timeWindow: WINDOW_MS,
    // The Redis key is the service's name, never the key itself.
    keyGenerator: (request) => serviceOf(request)!.name,
    max: (request) => serviceOf(request)!.requestsPerSecond,
  });
  const take = fastify.createRateLimit();
  fastify.addHook('onRequest', async (request, reply) => {
    if (EXEMPT.test(request.url) || !serviceOf(request)) return;
    let budget;
    try {
      budget = await take(request);
    } catch {
      const problem = problemDocument('service_unavailable', 'The request budget could not be checked; retry shortly.');
      return reply.status(problem.status).header('retry-after', '1').header('content-type', 'application/problem+json; charset=utf-8').send(problem);
    }
    if (budget.isAllowed) return;
    const resetSeconds = Math.max(1, budget.ttlInSeconds);
    void reply.header('ratelimit-policy', `"${POLICY}";q=${budget.max};w=${WINDOW_MS / 1000}`);
    void reply.header('ratelimit', `"${POLICY}";r=${budget.remaining};t=${resetSeconds}`);
    if (!budget.isExceeded) return;
    const problem = problemDocument('rate_limited', 'This service key has used its request budget; retry after the reset.');
    return reply.status(problem.status).header('retry-after', String(resetSeconds)).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
  });
}
