import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventStore } from '../../../../libs/event-store/src';
import { ConsistencyGate } from '../../../../projections/src/consistency/consistency-gate';
import { ProjectionStatusReader } from '../../../../projections/src/ops/projection-status';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { EVENT_STORE, PG_POOL } from '../infrastructure/tokens';
import { Metrics } from '../metrics/metrics';
import { Documented } from '../openapi/documented.decorator';

/** What operators watch: each projection's position, lag and dead letters; Prometheus metrics. */
@Controller()
@RequiresScope('ops')
export class OpsHttpController {
  private readonly status: ProjectionStatusReader;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(EVENT_STORE) eventStore: EventStore,
    private readonly metrics: Metrics,
    gate: ConsistencyGate,
  ) {
    this.status = new ProjectionStatusReader(pool, eventStore).withExternal('sessions', () => gate.checkpoint('sessions'));
  }

  @Get('v1/ops/projections')
  @Documented({ summary: 'Each projection: state, checkpoint, lag in events and seconds, dead letters' })
  async projections() {
    return { items: await this.status.report() };
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
    return this.metrics.registry.metrics();
  }
}
