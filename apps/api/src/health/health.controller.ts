import { Controller, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { defineRoute, Route } from '../contract/route-contract';
import { lifecycle } from './draining';
import { NotReadyError } from './projections-readiness';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check';

const Readiness = z.object({ status: z.enum(['ok', 'unavailable', 'draining']), checks: z.record(z.string(), z.object({ status: z.enum(['up', 'down']) }).loose()) });

export const LivenessRoute = defineRoute({
  id: 'liveness',
  summary: 'The process answers',
  method: 'GET',
  path: '/health/live',
  scope: 'public',
  responses: { 200: z.object({ status: z.literal('ok') }) },
});

export const ReadinessRoute = defineRoute({
  id: 'readiness',
  summary: 'The process can serve: its stores answer and its projectors keep up (503 otherwise, and while draining)',
  method: 'GET',
  path: '/health/ready',
  scope: 'public',
  responses: { 200: Readiness, 503: Readiness },
});

/** Liveness says the process answers; readiness says it can serve: its stores answer and its projectors keep up. */
@Controller()
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[]) {}

  @Route(LivenessRoute)
  live() {
    return { status: 'ok' };
  }

  @Route(ReadinessRoute)
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    if (lifecycle.draining) {
      void reply.status(503);
      return { status: 'draining', checks: {} };
    }
    const results = await Promise.all(
      this.checks.map(async (check) => {
        try {
          const detail = await withTimeout(check.check(), 2_000);
          return [check.name, { status: 'up', ...detail }] as const;
        } catch (error) {
          // The error's name only (a driver message can carry a connection string), and a readiness failure's detail.
          const detail = error instanceof NotReadyError ? error.detail : {};
          return [check.name, { status: 'down', reason: error instanceof Error ? error.name : 'unknown', ...detail }] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result.status === 'up');
    void reply.status(ready ? 200 : 503);
    return { status: ready ? 'ok' : 'unavailable', checks: Object.fromEntries(results) };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
