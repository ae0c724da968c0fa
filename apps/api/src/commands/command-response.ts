import type { FastifyReply } from 'fastify';
import type { IdempotentRequest } from '../idempotency/idempotency.interceptor';

/** Sets `X-Event-Position` when the command appended (read-your-writes: pass it as `X-Consistent-With`). */
export function withPosition(reply: FastifyReply, position: string | undefined): void {
  if (position) void reply.header('x-event-position', position);
}

/** Marks the stored idempotent response as being about this person, so their erasure removes it. */
export function aboutPerson(request: IdempotentRequest, userId: string): void {
  request.idempotencySubject = userId;
}
