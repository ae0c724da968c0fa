import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import type { AppConfig } from '@accounts/config';
import type { EventStore } from '@accounts/event-store';
import { type ProjectionReport, ProjectionStatusReader } from '@accounts/projections/ops/projection-status';
import { APP_CONFIG, EVENT_STORE, PG_POOL } from '../infrastructure/tokens';

export interface LagSample {
  at: number;
  lagEvents: number;
  lagSeconds: number;
}

const HOUR_MS = 60 * 60_000;
/** One sample every 30 s keeps the hour at 120 points per projection; page views add one (at most every 2 s). */
const SAMPLE_EVERY_MS = 30_000;
const MIN_GAP_MS = 2_000;

/**
 * Each live projection's lag over the last hour, for the operations page's chart. Kept in this process's memory:
 * a restart starts a new hour, and each API process draws its own samples of the same numbers (the lag is measured
 * against the event store, so they agree). No table, nothing to clean up.
 */
@Injectable()
export class LagHistory implements OnModuleInit, OnApplicationShutdown {
  readonly status: ProjectionStatusReader;
  private readonly samples = new Map<string, LagSample[]>();
  private timer: NodeJS.Timeout | undefined;
  private lastAt = 0;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(EVENT_STORE) eventStore: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.status = new ProjectionStatusReader(pool, eventStore);
  }

  onModuleInit(): void {
    // No console, no chart to draw: a service without CONSOLE_ORGANIZATION_ID does not sample.
    if (!this.config.consoleOrganizationId) return;
    this.timer = setInterval(() => void this.status.report().then((reports) => this.record(reports), () => undefined), SAMPLE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  record(reports: ProjectionReport[], now = Date.now()): void {
    if (now - this.lastAt < MIN_GAP_MS) return;
    this.lastAt = now;
    for (const report of reports) {
      if (report.state !== 'live') continue;
      const series = this.samples.get(report.name) ?? [];
      series.push({ at: now, lagEvents: report.lagEvents, lagSeconds: report.lagSeconds });
      while (series.length > 0 && now - series[0]!.at > HOUR_MS) series.shift();
      this.samples.set(report.name, series);
    }
  }

  of(name: string): readonly LagSample[] {
    return this.samples.get(name) ?? [];
  }
}
