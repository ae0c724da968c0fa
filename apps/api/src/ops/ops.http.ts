import { Controller, Get, Header, HttpCode, Inject, Param, Post, UseInterceptors } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventStore } from '../../../../libs/event-store/src';
import { ProjectionOperations } from '../../../../projections/src/ops/projection-operations';
import { ProjectionStatusReader } from '../../../../projections/src/ops/projection-status';
import { readWebhookHealth } from '../../../../projections/src/webhooks/webhook-status';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { Ctx, type RequestContext } from '../http/request-context';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { EVENT_STORE, PG_POOL } from '../infrastructure/tokens';
import { Metrics } from '../metrics/metrics';
import { Documented } from '../openapi/documented.decorator';

/**
 * What operators watch and do: each projection's position, lag and dead letters; rebuilds, pauses and retries
 * (carried out by whichever process runs the projection); Prometheus metrics.
 */
@Controller()
@RequiresScope('ops')
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

  @Get('v1/ops/projections')
  @Documented({ summary: 'Each projection: state, checkpoint, lag in events and seconds, dead letters, owner, rebuild progress' })
  async projections() {
    const [items, eventVisibility, webhooks] = await Promise.all([this.status.report(), this.status.visibility(), readWebhookHealth(this.pool)]);
    return { items, ...(eventVisibility ? { eventVisibility } : {}), webhooks };
  }

  @Post('v1/ops/projections/:name/rebuild')
  @HttpCode(202)
  @UseInterceptors(IdempotencyInterceptor)
  @Documented({ summary: 'Start a blue/green rebuild (or return the one under way); follow it at GET /v1/ops/projections', errors: ['projection_not_found'] })
  async rebuild(@Param('name') name: string) {
    const { version, resumed } = await this.operations.rebuild(name);
    return { projection: name, version, state: 'building', resumed, statusUrl: '/v1/ops/projections' };
  }

  @Post('v1/ops/projections/:name/pause')
  @HttpCode(200)
  @UseInterceptors(IdempotencyInterceptor)
  @Documented({ summary: 'Pause a projection (its process stops applying events within a second)', errors: ['projection_not_found'] })
  async pause(@Param('name') name: string) {
    await this.operations.pause(name);
    return { projection: name, paused: true };
  }

  @Post('v1/ops/projections/:name/resume')
  @HttpCode(200)
  @UseInterceptors(IdempotencyInterceptor)
  @Documented({ summary: 'Resume a paused projection from its checkpoint', errors: ['projection_not_found'] })
  async resume(@Param('name') name: string) {
    await this.operations.resume(name);
    return { projection: name, paused: false };
  }

  @Post('v1/ops/projections/:name/retry-dead-letters')
  @HttpCode(202)
  @UseInterceptors(IdempotencyInterceptor)
  @Documented({ summary: "Apply a projection's dead-lettered events again (after a fix)", errors: ['projection_not_found'] })
  async retryDeadLetters(@Param('name') name: string, @Ctx() context: RequestContext) {
    const requestId = await this.operations.retryDeadLetters(name, `service:${context.service.name}`);
    return { projection: name, requestId };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  @Documented({ summary: 'Prometheus metrics' })
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
