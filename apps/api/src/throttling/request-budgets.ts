import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RedisClient } from '@accounts/config';
import { callingServiceOf } from '../auth/bearer-key';
import type { ServiceKeys } from '../auth/service-keys';
import { ProblemError } from '../http/problem';
import { sendProblem } from '../http/problem-details.filter';
import { type BudgetAnswer, BudgetLedger } from './budget-ledger';

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
  const unavailable = (reply: FastifyReply) => void sendProblem(reply, new ProblemError('service_unavailable', 'The request budget could not be checked; retry shortly.', undefined, 1));
  // A callback hook: a request answered from the share in hand (nearly all) makes no promise; only one that must
  // wait for Redis does.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (EXEMPT.test(request.url)) return done();
    const service = callingServiceOf(request, keys);
    if (!service) return done();
    const inHand = ledger.takeInHand(service.name, service.requestsPerSecond);
    if (inHand) return answer(reply, inHand, done);
    ledger.take(service.name, service.requestsPerSecond).then((budget) => answer(reply, budget, done), () => unavailable(reply));
  });
}

/** The RateLimit headers on every budgeted response; past the budget, 429 instead of the route. */
function answer(reply: FastifyReply, budget: BudgetAnswer, done: () => void): void {
  const resetSeconds = Math.max(1, Math.ceil(budget.resetMs / 1000));
  void reply.header('ratelimit-policy', `"${POLICY}";q=${budget.limit};w=${WINDOW_MS / 1000}`);
  void reply.header('ratelimit', `"${POLICY}";r=${budget.remaining};t=${resetSeconds}`);
  if (budget.allowed) return done();
  void sendProblem(reply, new ProblemError('rate_limited', 'This service key has used its request budget; retry after the reset.', undefined, resetSeconds));
}
