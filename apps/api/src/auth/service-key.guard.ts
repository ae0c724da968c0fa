import { isIP } from 'node:net';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemError } from '../http/problem';
import type { ContextualRequest, RequestContext } from '../http/request-context';
import { PUBLIC_ROUTE, REQUIRED_SCOPE } from './requires-scope.decorator';
import { callingServiceOf } from './bearer-key';
import { type CallingService, type Scope, ServiceKeys } from './service-keys';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Authenticates the calling service by its bearer key and checks the route's scope: 401 for a missing or unknown
 * key, 403 for a key without the scope. A route that declares no scope is refused (fail closed).
 */
@Injectable()
export class ServiceKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ServiceKeys,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, targets);
    const request = context.switchToHttp().getRequest<ContextualRequest>();
    request.accountsContext = authorize(request, this.keys, scope);
    return true;
  }
}

/**
 * The caller's context, or the problem that refuses it: 401 for a missing or unknown key, 403 for a key without
 * `scope` (or for no scope at all: fail closed), 422 for a malformed `X-Actor-Id` or `X-Client-Ip`. The guard of every
 * Nest route and the plain Fastify routes (contract/plain-route.ts) call this one function, so they cannot differ.
 */
export function authorize(request: ContextualRequest, keys: ServiceKeys, scope: Scope | undefined): RequestContext {
  const service = callingServiceOf(request, keys);
  if (!service) throw new ProblemError('unauthorized', 'A valid service key is required (Authorization: Bearer <key>).');
  if (!scope || !service.scopes.has(scope)) {
    throw new ProblemError('forbidden', `This key lacks the scope this route needs${scope ? ` (${scope})` : ''}.`);
  }
  const actorHeader = request.headers['x-actor-id'];
  if (actorHeader !== undefined && (typeof actorHeader !== 'string' || !UUID.test(actorHeader))) {
    throw new ProblemError('validation_failed', 'X-Actor-Id must be a user id (UUID).', [{ field: 'X-Actor-Id', message: 'must be a UUID' }]);
  }
  return {
    service,
    actorId: actorHeader?.toLowerCase(),
    correlationId: request.correlationId ?? request.id,
    requestId: request.id,
    clientIp: clientIpOf(request, service),
  };
}

/**
 * `X-Client-Ip` only from keys configured to send it: any other caller could spread one person's login attempts
 * over made-up addresses. Otherwise the address Fastify found (a trusted proxy's `X-Forwarded-For`, else the peer).
 */
function clientIpOf(request: ContextualRequest, service: CallingService): string | undefined {
  const told = request.headers['x-client-ip'];
  if (!service.sendsClientIp || told === undefined) return request.ip;
  if (typeof told !== 'string' || isIP(told.trim()) === 0) {
    throw new ProblemError('validation_failed', 'X-Client-Ip must be an IPv4 or IPv6 address.', [{ field: 'X-Client-Ip', message: 'must be an IP address' }]);
  }
  return told.trim().toLowerCase();
}
