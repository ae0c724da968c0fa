import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '../../../../libs/config/src';
import { callingServiceOf } from '../auth/bearer-key';
import type { ServiceKeys } from '../auth/service-keys';
import { problemDocument } from '../http/problem';
import { BudgetLedger } from './budget-ledger';

/** Routes any caller may reach without a budget: probes and scrapes must work when a key is over its budget. */
const EXEMPT = /^\/(?:health\/|metrics(?:[/?]|$))/;
const WINDOW_MS = 1000;
const POLICY = 'per-key';

/**
 * Per-key request budgets (API.md, "Who may act, and how much"): each service key may make `requestsPerSecond`
 * requests a second (`:<n>/s` in its SERVICE_KEYS entry, else the default), counted in Redis so that every API
 * process shares the count, in shares taken in batches rather than one round trip a request (BudgetLedger states the
 * tolerance: never over the budget; a share and a half of it per other busy process may go unused). Every budgeted
 * response carries the IETF `RateLimit-Policy` and `RateLimit` headers; past the budget, 429 `rate_limited` with
 * `Retry-After`; when Redis cannot be asked, 503. Requests without a valid key are not counted here: the guard
 * refuses them (the key is hashed once for both: callingServiceOf).
 */
export function registerRequestBudgets(fastify: FastifyInstance, redis: RedisClient, keys: ServiceKeys): void {
  // The Redis key is the service's name, never the key itself.
  const ledger = new BudgetLedger(redis, { windowMs: WINDOW_MS, prefix: 'budget:' });
  fastify.addHook('onRequest', async (request, reply) => {
    if (EXEMPT.test(request.url)) return;
    const service = callingServiceOf(request, keys);
    if (!service) return;
    let budget;
    try {
      budget = await ledger.take(service.name, service.requestsPerSecond);
    } catch {
      const problem = problemDocument('service_unavailable', 'The request budget could not be checked; retry shortly.');
      return reply.status(problem.status).header('retry-after', '1').header('content-type', 'application/problem+json; charset=utf-8').send(problem);
    }
    const resetSeconds = Math.max(1, Math.ceil(budget.resetMs / 1000));
    void reply.header('ratelimit-policy', `"${POLICY}";q=${budget.limit};w=${WINDOW_MS / 1000}`);
    void reply.header('ratelimit', `"${POLICY}";r=${budget.remaining};t=${resetSeconds}`);
    if (budget.allowed) return;
    const problem = problemDocument('rate_limited', 'This service key has used its request budget; retry after the reset.');
    return reply.status(problem.status).header('retry-after', String(resetSeconds)).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
  });
}
