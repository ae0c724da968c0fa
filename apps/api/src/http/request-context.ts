import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { CallingService } from '../auth/service-keys';

/**
 * Who is asking, on whose behalf, and as part of what: built once per request by the auth guard and the
 * correlation hook, then passed explicitly to handlers (and into every event's metadata).
 */
export interface RequestContext {
  service: CallingService;
  /** `X-Actor-Id`: the end user on whose behalf the service acts, when it says. */
  actorId: string | undefined;
  correlationId: string;
  /** The request's id, used as the causation id of the events it appends. */
  requestId: string;
  /** The client's IP: personal data, so it is sealed before it reaches an event and never logged. */
  clientIp: string | undefined;
}

export interface ContextualRequest extends FastifyRequest {
  accountsContext?: RequestContext;
  correlationId?: string;
}

export const Ctx = createParamDecorator((_data: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<ContextualRequest>();
  if (!request.accountsContext) throw new Error('request context missing: is the route guarded?');
  return request.accountsContext;
});
