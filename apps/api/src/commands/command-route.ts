import { type CallHandler, createParamDecorator, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';
import type { IdempotentRequest } from '../idempotency/idempotency.interceptor';
import { CommandEnvelope } from './command-envelope';
import type { Handled } from './handled';

/**
 * A command route's answer: the body, and the handler's outcome from which the one interceptor below sets
 * `X-Event-Position` and the stored response's subject. Routes return it; they never touch the reply.
 */
export class CommandResponse<TBody> {
  constructor(
    readonly body: TBody,
    readonly outcome: Pick<Handled<unknown>, 'position' | 'aboutUser'>,
  ) {}
}

export const respond = <TBody>(body: TBody, outcome: Pick<Handled<unknown>, 'position' | 'aboutUser'>) => new CommandResponse(body, outcome);

/**
 * Turns a `CommandResponse` into HTTP: `X-Event-Position` when the command appended (read-your-writes: pass it as
 * `X-Consistent-With`), and the person the stored idempotent response is about, so their erasure removes it. Runs
 * inside the idempotency interceptor, which stores what this sets.
 */
@Injectable()
export class CommandResponseInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<IdempotentRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((value: unknown) => {
        if (!(value instanceof CommandResponse)) return value;
        const { position, aboutUser } = (value as CommandResponse<unknown>).outcome;
        if (position) void reply.header('x-event-position', position);
        if (aboutUser) request.idempotencySubject = aboutUser;
        return (value as CommandResponse<unknown>).body;
      }),
    );
  }
}

/** The command's envelope, built from the request once; the only thing about the request that goes past the route. */
export const Envelope = createParamDecorator((_data: unknown, context: ExecutionContext): CommandEnvelope => {
  const request = context.switchToHttp().getRequest<IdempotentRequest>();
  if (!request.accountsContext) throw new Error('request context missing: is the route guarded?');
  return new CommandEnvelope(request.accountsContext, request.commandIdSeed, new Date(), request.pendingClaim);
});
