import { applyDecorators, type INestApplicationContext, SetMetadata } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConsistencyGate } from '@accounts/projections/consistency/consistency-gate';
import { authorize } from '../auth/service-key.guard';
import { ServiceKeys } from '../auth/service-keys';
import { sendProblem } from '../http/problem-details.filter';
import type { ContextualRequest, RequestContext } from '../http/request-context';
import { awaitConsistency } from '../queries/consistent-with';
import { controllerMethods } from './controller-methods';
import { parseInput, ROUTE_CONTRACT, type RouteContract, type RouteInput, successStatus } from './route-contract';

const PLAIN_ROUTE = 'accounts:plain-route';

/** What a plain route's method is called with: its input parsed by its contract, and the caller's context. */
export type PlainHandler<C extends RouteContract> = (input: RouteInput<C>, context: RequestContext) => Promise<unknown>;

/**
 * Serves a controller method as a plain Fastify route instead of through Nest's router, for the hottest queries
 * (session validation): Nest's router, guards and response path cost a session check 30–50 µs of CPU, a third of it.
 * Everything a caller relies on stays the same, from the same code as every other route:
 * - the contract is recorded as `@Route` records it, so `/openapi.json` lists the route (openapi.controller.ts);
 * - the key, scope, `X-Actor-Id` and `X-Client-Ip` checks are the guard's (`authorize`), then `X-Consistent-With`
 *   (`awaitConsistency`), then the input parsed by the contract (`parseInput`), in the order Nest runs them;
 * - errors go through the problem filter's `sendProblem`;
 * - the request budget, correlation id, input limits, metrics and request log are Fastify hooks, which run for this
 *   route as for any other.
 * The method is called as `method(input, context)`. Commands are not served this way: they need the idempotency
 * interceptors.
 */
export function PlainRoute(contract: RouteContract): MethodDecorator {
  if (contract.command) throw new Error(`route ${contract.id}: a command needs Nest's interceptors; use @Route`);
  return applyDecorators(SetMetadata(ROUTE_CONTRACT, contract), SetMetadata(PLAIN_ROUTE, true));
}

/** Registers every controller method marked `@PlainRoute` on the app's Fastify instance (before `app.init()`). */
export function registerPlainRoutes(fastify: FastifyInstance, app: INestApplicationContext): void {
  const dependencies = { keys: app.get(ServiceKeys), gate: app.get(ConsistencyGate) };
  for (const { instance, method } of controllerMethods(app.get(DiscoveryService), app.get(MetadataScanner))) {
    if (!Reflect.getMetadata(PLAIN_ROUTE, method)) continue;
    const contract = Reflect.getMetadata(ROUTE_CONTRACT, method) as RouteContract;
    mount(fastify, contract, method.bind(instance) as PlainHandler<RouteContract>, dependencies);
  }
}

function mount(fastify: FastifyInstance, contract: RouteContract, handle: PlainHandler<RouteContract>, { keys, gate }: { keys: ServiceKeys; gate: ConsistencyGate }): void {
  const status = successStatus(contract);
  const scope = contract.scope === 'public' ? undefined : contract.scope;
  fastify.route({
    method: contract.method,
    url: contract.path,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const context = scope === undefined ? undefined : ((request as ContextualRequest).accountsContext = authorize(request, keys, scope));
        // Most checks name no position: no promise to wait for.
        if (contract.readsFrom && request.headers['x-consistent-with'] !== undefined) await awaitConsistency(request, gate, contract.readsFrom);
        const body = await handle(parseInput(contract, request), context as RequestContext);
        return reply.code(status).send(body);
      } catch (error) {
        return sendProblem(reply, error);
      }
    },
  });
}
