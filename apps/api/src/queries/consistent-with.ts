import { type CanActivate, type ExecutionContext, Injectable, SetMetadata, UseGuards, applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { parsePosition } from '@accounts/event-store';
import { ConsistencyGate, type ProjectionName } from '@accounts/projections/consistency/consistency-gate';
import { ProblemError } from '../http/problem';

const READS_FROM = 'accounts:reads-from';
const WAIT_LIMIT_MS = 5_000;

/**
 * `X-Consistent-With: <position>` (read-your-writes): the query waits until the projection it reads has processed
 * that position, at most 5 s, then answers 504 `projection_lagging`. A guard rather than an interceptor: it only waits
 * before the handler, and a route without interceptors skips Nest's RxJS pipeline, about a sixth of the CPU of a
 * session check (the hottest route).
 */
@Injectable()
export class ConsistentWithGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly gate: ConsistencyGate,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    await awaitConsistency(request, this.gate, this.reflector.get<ProjectionName>(READS_FROM, context.getHandler()) ?? 'read_model');
    return true;
  }
}

/**
 * Waits for `X-Consistent-With`, when the request names a position, until `projection` has processed it: 422 for a
 * malformed position, 504 after 5 s. Shared by the guard and the plain Fastify routes (contract/plain-route.ts).
 */
export async function awaitConsistency(request: { headers: FastifyRequest['headers'] }, gate: ConsistencyGate, projection: ProjectionName): Promise<void> {
  const header = request.headers['x-consistent-with'];
  if (header === undefined) return;
  const position = typeof header === 'string' ? parsePosition(header.trim()) : undefined;
  if (!position) {
    throw new ProblemError('validation_failed', 'X-Consistent-With must be a position from X-Event-Position.', [
      { field: 'X-Consistent-With', message: 'expected <commit>-<prepare>' },
    ]);
  }
  if (!(await gate.waitFor(projection, position, WAIT_LIMIT_MS))) {
    throw new ProblemError('projection_lagging', 'The read model has not caught up with that position yet; retry shortly.');
  }
}

/** Declares which projection a query reads, and honours X-Consistent-With for it. */
export const ReadsFrom = (projection: ProjectionName) => applyDecorators(SetMetadata(READS_FROM, projection), UseGuards(ConsistentWithGuard));
