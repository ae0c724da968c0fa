import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, SetMetadata, UseInterceptors, applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { from, type Observable, switchMap } from 'rxjs';
import { parsePosition } from '../../../../libs/event-store/src';
import { ConsistencyGate, type ProjectionName } from '../../../../projections/src/consistency/consistency-gate';
import { ProblemError } from '../http/problem';

const READS_FROM = 'accounts:reads-from';
const WAIT_LIMIT_MS = 5_000;

/**
 * `X-Consistent-With: <position>` (read-your-writes): the query waits until the projection it reads has processed
 * that position, at most 5 s, then answers 504 `projection_lagging`.
 */
@Injectable()
export class ConsistentWithInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly gate: ConsistencyGate,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers['x-consistent-with'];
    if (header === undefined) return next.handle();
    const position = typeof header === 'string' ? parsePosition(header.trim()) : undefined;
    if (!position) {
      throw new ProblemError('validation_failed', 'X-Consistent-With must be a position from X-Event-Position.', [
        { field: 'X-Consistent-With', message: 'expected <commit>-<prepare>' },
      ]);
    }
    const projection = this.reflector.get<ProjectionName>(READS_FROM, context.getHandler()) ?? 'read_model';
    return from(this.gate.waitFor(projection, position, WAIT_LIMIT_MS)).pipe(
      switchMap((reached) => {
        if (!reached) throw new ProblemError('projection_lagging', 'The read model has not caught up with that position yet; retry shortly.');
        return next.handle();
      }),
    );
  }
}

/** Declares which projection a query reads, and honours X-Consistent-With for it. */
export const ReadsFrom = (projection: ProjectionName) => applyDecorators(SetMetadata(READS_FROM, projection), UseInterceptors(ConsistentWithInterceptor));
