import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's Prometheus metrics, in one registry per process (tests build their own app, so no global registry).
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'accounts_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    // Sub-millisecond buckets: session validation is expected to answer well within 2 ms.
    buckets: [0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly commandDuration = new Histogram({
    name: 'accounts_command_duration_seconds',
    help: 'Command handling latency (load, decide, append) by command and outcome',
    labelNames: ['command', 'outcome'] as const,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly eventsAppended = new Counter({
    name: 'accounts_events_appended_total',
    help: 'Events appended to the event store',
    labelNames: ['stream_category'] as const,
    registers: [this.registry],
  });

  readonly appendConflicts = new Counter({
    name: 'accounts_append_conflicts_total',
    help: 'Appends refused for a wrong expected revision (retried by the handler)',
    registers: [this.registry],
  });

  readonly projectionEventsProcessed = this.gauge(
    'accounts_projection_events_processed',
    'Events processed by each projection since it started',
    ['projection'],
  );

  readonly projectionLagEvents = this.gauge('accounts_projection_lag_events', 'Events in $all that a projection has not processed yet', ['projection']);

  readonly projectionLagSeconds = this.gauge('accounts_projection_lag_seconds', 'Age of the oldest event a projection has not processed yet', ['projection']);

  readonly projectionDeadLetters = this.gauge('accounts_projection_dead_letters', 'Events a projection parked because it could not apply them', ['projection']);

  readonly webhookFailingEndpoints = this.gauge(
    'accounts_webhook_failing_endpoints',
    'Webhook endpoints whose current event is failing (being retried); each one\'s lag is accounts_projection_lag_events{projection="webhook:<id>"}',
  );

  readonly webhookDisabledEndpoints = this.gauge('accounts_webhook_disabled_endpoints', 'Webhook endpoints disabled after their 24-hour retry window');

  readonly invisibleEvents = this.gauge(
    'accounts_events_invisible',
    'Events committed but not yet visible to readers, held back by the oldest running transaction of the cluster',
  );

  readonly visibilityHeldSeconds = this.gauge(
    'accounts_events_visibility_held_seconds',
    'How long readers have been held back: age of the transaction holding the horizon (0 when nothing is hidden)',
  );

  /** Which backend holds the horizon: its pid and database as labels (value 1); never its query. */
  readonly visibilityHolder = this.gauge(
    'accounts_events_visibility_holder',
    'The backend whose transaction holds events back (pid, database, state)',
    ['pid', 'database', 'state'],
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'accounts_' });
  }

  /** A gauge in this registry: the one shape every gauge above has (name, help, optional labels). */
  private gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}
