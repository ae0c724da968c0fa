import type { Pool } from 'pg';
import type { EventCodec } from '@accounts/event-codec';
import type { EventStore } from '@accounts/event-store';
import type { LeaseConnection } from '../runtime/projection-lease';
import type { ProjectionRegistry } from '../runtime/projection-registry';
import type { EventDecoder } from '../runtime/projection-runner';
import { ProjectionSupervisor, type SupervisorOptions } from '../runtime/projection-supervisor';
import { type DeliveryClock, systemClock } from './delivery-clock';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-schedule';
import { WebhookDeliverySink, type WebhookDeliverySettings, webhookProjectionName } from './webhook-delivery.sink';
import { WebhookEndpointStream } from './webhook-endpoint-stream';

export interface WebhookDeliveriesConfig {
  allowPrivate: boolean;
  clock?: DeliveryClock;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
  timeoutMs?: number;
  pollMs?: number;
  resolver?: WebhookDeliverySettings['resolver'];
  onAttempt?: WebhookDeliverySettings['onAttempt'];
  onDisabled?: WebhookDeliverySettings['onDisabled'];
}

/** undefined_table: the endpoints' view does not exist until their projection first ran. */
const UNDEFINED_TABLE = '42P01';

/**
 * Runs one delivery projector per enabled endpoint, each under the projection runtime's supervisor (its lease, its
 * checkpoint `webhook:<id>`, takeover when a process dies), started and stopped as the endpoints' read model says:
 * a new endpoint starts within a tick, a disabled or deleted one stops (a disabled one is marked paused, so operators
 * see it), an enabled-again one resumes from its checkpoint, at the event that failed.
 */
export class WebhookDeliveries {
  private readonly running = new Map<string, ProjectionSupervisor>();
  /** The sink each running supervisor made last, to see whether a replay moved its checkpoint. */
  private readonly sinks = new Map<string, WebhookDeliverySink>();
  private readonly stream: WebhookEndpointStream;
  private readonly settings: WebhookDeliverySettings;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly pool: Pool,
    private readonly eventStore: EventStore,
    private readonly decoder: EventDecoder,
    codec: EventCodec,
    private readonly registry: ProjectionRegistry,
    private readonly lease: LeaseConnection,
    private readonly options: SupervisorOptions,
    config: WebhookDeliveriesConfig,
  ) {
    this.stream = new WebhookEndpointStream(eventStore, codec);
    this.settings = {
      allowPrivate: config.allowPrivate,
      clock: config.clock ?? systemClock,
      retry: { ...DEFAULT_RETRY_POLICY, ...config.retry },
      ...(config.random ? { random: config.random } : {}),
      ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
      ...(config.pollMs ? { pollMs: config.pollMs } : {}),
      ...(config.resolver ? { resolver: config.resolver } : {}),
      ...(config.onAttempt ? { onAttempt: config.onAttempt } : {}),
      ...(config.onDisabled ? { onDisabled: config.onDisabled } : {}),
    };
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    await Promise.all([...this.running.values()].map((supervisor) => supervisor.stop()));
    this.running.clear();
  }

  /** The endpoints this process supervises, with each projector's status (leader or standby). */
  statuses() {
    return [...this.running.values()].map((supervisor) => supervisor.status());
  }

  tick(): Promise<void> {
    this.ticking ??= this.runTick()
      .catch((error: unknown) => this.options.onError?.('webhooks', error))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), this.options.tickMs ?? 500);
  }

  private async runTick(): Promise<void> {
    if (this.stopped) return;
    let endpoints: { id: string; status: string }[];
    try {
      endpoints = (await this.pool.query<{ id: string; status: string }>(`SELECT id, status FROM webhook_endpoints`)).rows;
    } catch (error) {
      if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return;
      throw error;
    }
    const enabled = new Set(endpoints.filter((endpoint) => endpoint.status === 'enabled').map((endpoint) => endpoint.id));
    for (const [id, supervisor] of this.running) {
      if (enabled.has(id)) continue;
      this.running.delete(id);
      this.sinks.delete(id);
      await supervisor.stop();
      const stillThere = endpoints.some((endpoint) => endpoint.id === id);
      // Disabled: paused, so operators see it; deleted: its checkpoint goes with it.
      if (stillThere) await this.registry.setPaused(webhookProjectionName(id), true).catch(() => undefined);
      else await this.pool.query(`DELETE FROM projection_checkpoints WHERE projection = $1`, [webhookProjectionName(id)]);
    }
    for (const [id, supervisor] of this.running) {
      // A replay moved the checkpoint back; a projector waiting for new events would not notice: restart it there.
      if (!(await this.sinks.get(id)?.checkpointMoved())) continue;
      this.running.delete(id);
      this.sinks.delete(id);
      await supervisor.stop();
    }
    for (const id of enabled) {
      if (this.running.has(id)) continue;
      const name = webhookProjectionName(id);
      await this.pool.query(`UPDATE projection_checkpoints SET paused = false WHERE projection = $1 AND paused`, [name]);
      const supervisor = new ProjectionSupervisor(
        {
          name,
          externalCheckpoint: false,
          sinkFor: () => {
            const sink = new WebhookDeliverySink(this.pool, id, this.stream, this.settings);
            this.sinks.set(id, sink);
            return sink;
          },
        },
        this.eventStore,
        this.decoder,
        this.registry,
        this.lease,
        this.options,
      );
      this.running.set(id, supervisor);
      // Not awaited: one endpoint catching up must not hold up starting the others.
      supervisor.start().catch((error: unknown) => this.options.onError?.(name, error));
    }
  }
}
