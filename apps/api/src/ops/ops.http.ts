import { Controller, Header, Inject } from '@nestjs/common';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { EventStore } from '@accounts/event-store';
import { ProjectionOperations } from '@accounts/projections/ops/projection-operations';
import { ProjectionStatusReader } from '@accounts/projections/ops/projection-status';
import { readWebhookHealth } from '@accounts/projections/webhooks/webhook-status';
import { defineRoute, Input, raw, Route, type RouteContract, type RouteInput } from '../contract/route-contract';
import { Ctx, type RequestContext } from '../http/request-context';
import { EVENT_STORE, PG_POOL } from '../infrastructure/tokens';
import { Metrics } from '../metrics/metrics';

const ProjectionName = { name: z.string().max(100).describe('is not a projection name') };
const operation = { scope: 'ops', command: true, params: ProjectionName, errors: ['projection_not_found'] } as const satisfies Partial<RouteContract>;

export const ProjectionsStatusRoute = defineRoute({
  id: 'projectionsStatus',
  summary: 'Each projection: state, checkpoint, lag in events and seconds, dead letters, owner, rebuild progress',
  method: 'GET',
  path: '/v1/ops/projections',
  scope: 'ops',
  responses: {
    200: z.object({
      items: z.array(z.record(z.string(), z.unknown())),
      eventVisibility: z.record(z.string(), z.unknown()).optional(),
      // Webhook endpoints failing now and disabled after their window (each one's lag is its `webhook:<id>` item).
      webhooks: z.object({ failing: z.array(z.record(z.string(), z.unknown())), disabled: z.array(z.record(z.string(), z.unknown())) }),
    }),
  },
});

export const RebuildProjectionRoute = defineRoute({
  ...operation,
  id: 'rebuildProjection',
  summary: 'Start a blue/green rebuild (or return the one under way); follow it at GET /v1/ops/projections',
  method: 'POST',
  path: '/v1/ops/projections/:name/rebuild',
  responses: { 202: z.object({ projection: z.string(), version: z.number().int(), state: z.literal('building'), resumed: z.boolean(), statusUrl: z.string() }) },
});

export const PauseProjectionRoute = defineRoute({
  ...operation,
  id: 'pauseProjection',
  summary: 'Pause a projection (its process stops applying events within a second)',
  method: 'POST',
  path: '/v1/ops/projections/:name/pause',
  responses: { 200: z.object({ projection: z.string(), paused: z.literal(true) }) },
});

export const ResumeProjectionRoute = defineRoute({
  ...operation,
  id: 'resumeProjection',
  summary: 'Resume a paused projection from its checkpoint',
  method: 'POST',
  path: '/v1/ops/projections/:name/resume',
  responses: { 200: z.object({ projection: z.string(), paused: z.literal(false) }) },
});

export const RetryDeadLettersRoute = defineRoute({
  ...operation,
  id: 'retryDeadLetters',
  summary: "Apply a projection's dead-lettered events again (after a fix)",
  method: 'POST',
  path: '/v1/ops/projections/:name/retry-dead-letters',
  responses: { 202: z.object({ projection: z.string(), requestId: z.string() }) },
});

export const MetricsRoute = defineRoute({
  id: 'metrics',
  summary: 'Prometheus metrics',
  method: 'GET',
  path: '/metrics',
  scope: 'ops',
  responses: { 200: raw('text/plain') },
});

/**
 * What operators watch and do: each projection's position, lag and dead letters; rebuilds, pauses and retries
 * (carried out by whichever process runs the projection); Prometheus metrics.
 */
@Controller()
export class OpsHttpController {
  private readonly status: ProjectionStatusReader;
  private readonly operations: ProjectionOperations;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) eventStore: EventStore,
    private readonly metrics: Metrics,
  ) {
    this.status = new ProjectionStatusReader(pool, eventStore);
    this.operations = new ProjectionOperations(pool);
  }

  @Route(ProjectionsStatusRoute)
  async projections() {
    const [items, eventVisibility, webhooks] = await Promise.all([this.status.report(), this.status.visibility(), readWebhookHealth(this.pool)]);
    return { items, ...(eventVisibility ? { eventVisibility } : {}), webhooks };
  }

  @Route(RebuildProjectionRoute)
  async rebuild(@Input() { params: { name } }: RouteInput<typeof RebuildProjectionRoute>) {
    const { version, resumed } = await this.operations.rebuild(name);
    return { projection: name, version, state: 'building', resumed, statusUrl: '/v1/ops/projections' };
  }

  @Route(PauseProjectionRoute)
  async pause(@Input() { params: { name } }: RouteInput<typeof PauseProjectionRoute>) {
    await this.operations.pause(name);
    return { projection: name, paused: true };
  }

  @Route(ResumeProjectionRoute)
  async resume(@Input() { params: { name } }: RouteInput<typeof ResumeProjectionRoute>) {
    await this.operations.resume(name);
    return { projection: name, paused: false };
  }

  @Route(RetryDeadLettersRoute)
  async retryDeadLetters(@Input() { params: { name } }: RouteInput<typeof RetryDeadLettersRoute>, @Ctx() context: RequestContext) {
    const requestId = await this.operations.retryDeadLetters(name, `service:${context.service.name}`);
    return { projection: name, requestId };
  }

  @Route(MetricsRoute)
  @Header('content-type', 'text/plain; version=0.0.4')
  async prometheus(): Promise<string> {
    for (const projection of await this.status.report()) {
      if (projection.state !== 'live') continue;
      this.metrics.projectionLagEvents.set({ projection: projection.name }, projection.lagEvents);
      this.metrics.projectionLagSeconds.set({ projection: projection.name }, projection.lagSeconds);
      this.metrics.projectionDeadLetters.set({ projection: projection.name }, projection.deadLetters);
      this.metrics.projectionEventsProcessed.set({ projection: projection.name }, projection.eventsProcessed);
    }
    const webhooks = await readWebhookHealth(this.pool);
    this.metrics.webhookFailingEndpoints.set(webhooks.failing.length);
    this.metrics.webhookDisabledEndpoints.set(webhooks.disabled.length);
    const visibility = await this.status.visibility();
    if (visibility) {
      this.metrics.invisibleEvents.set(visibility.invisibleEvents);
      this.metrics.visibilityHeldSeconds.set(visibility.heldSeconds);
      this.metrics.visibilityHolder.reset();
      const holder = visibility.holder;
      if (holder) this.metrics.visibilityHolder.set({ pid: String(holder.pid), database: holder.database ?? 'unknown', state: holder.state ?? 'unknown' }, 1);
    }
    return this.metrics.registry.metrics();
  }
}
