import type { Pool, PoolClient } from 'pg';
import { signingSecrets } from '@accounts/domain';
import { inTransaction } from '@accounts/database';
import { type Position, parsePosition } from '@accounts/event-store';
import { type IntegrationEvent, toIntegrationEvents } from '@accounts/integration-events';
import { type PostOutcome, postWebhook, type Resolver, resolveWebhookTarget, signWebhook } from '@accounts/webhooks';
import { CheckpointMovedError } from '../runtime/postgres-sink';
import type { ProjectedEvent } from '../runtime/projected-event';
import type { ProjectionSink } from '../runtime/projection-sink';
import type { DeliveryClock } from './delivery-clock';
import { nextAttemptAt, type RetryPolicy } from './retry-schedule';
import type { KnownEndpoint, WebhookEndpointStream } from './webhook-endpoint-stream';

export interface WebhookDeliverySettings {
  allowPrivate: boolean;
  clock: DeliveryClock;
  retry: RetryPolicy;
  random?: () => number;
  timeoutMs?: number;
  resolver?: Resolver;
  /** Longest sleep between two looks at the checkpoint (a replay) and the endpoint (a new URL) while retrying. */
  pollMs?: number;
  onAttempt?(endpointId: string, outcome: 'succeeded' | 'failed', durationMs: number): void;
  onDisabled?(endpointId: string): void;
}

/** The endpoint is no longer enabled (disabled after its window, deleted): the delivery process stops its projector. */
export class EndpointInactiveError extends Error {
  constructor() {
    super('webhook endpoint is not enabled');
    this.name = 'EndpointInactiveError';
  }
}

/** The delivery process is stopping: the batch in hand is left to the next owner, from the stored checkpoint. */
class DeliveryInterruptedError extends Error {
  constructor() {
    super('webhook delivery interrupted');
    this.name = 'DeliveryInterruptedError';
  }
}

export const webhookProjectionName = (endpointId: string) => `webhook:${endpointId}`;

const VERSION = 1;
const EXCERPT_COLUMN_CHARS = 256;
const ENDPOINT_FRESH_MS = 1_000;

/**
 * One endpoint's deliveries, as a projection sink: the projection runtime reads $all from this endpoint's own
 * checkpoint (projection `webhook:<id>`, with its lease, so one process delivers to it), and each batch is delivered
 * here, in order, one event at a time. An event is retried with growing jittered delays until the receiver answers
 * 2xx; the success, its attempt record and the checkpoint at that event commit in one transaction, so a crash before
 * it repeats that one delivery (same `webhook-id`) and one after it never does. Past the retry window the endpoint
 * is disabled with an event, and the checkpoint stays at the failing event so an enabled endpoint resumes there.
 * A failing endpoint holds up only its own projector.
 */
export class WebhookDeliverySink implements ProjectionSink {
  readonly name: string;
  // No filter: the checkpoint follows all of $all, so the endpoint's lag is its distance from the head.
  readonly filter = undefined;
  private lastStored: Position | undefined;
  /** A transaction moving the checkpoint is under way: the stored one may differ from `lastStored` until it commits. */
  private storing = false;
  private abort = new AbortController();
  /** The endpoint as last read from its stream, for a second at most (a new URL or a disabling shows within it). */
  private endpoint: { state: KnownEndpoint; readAt: number } | undefined;
  /** What this sink knows of the endpoint's current failure: read once, then kept as it writes it. */
  private failing: { eventId: string; since: number; attempts: number } | null | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly endpointId: string,
    private readonly stream: WebhookEndpointStream,
    private readonly settings: WebhookDeliverySettings,
  ) {
    this.name = webhookProjectionName(endpointId);
  }

  async prepare(): Promise<void> {
    this.abort = new AbortController();
  }

  interrupt(): void {
    this.abort.abort(new DeliveryInterruptedError());
  }

  /** Where deliveries resume; the first time, the endpoint's creation (events before it are not its business). */
  async readCheckpoint(): Promise<Position | undefined> {
    this.failing = undefined; // a replay may have cleared it: read again
    const stored = await this.storedCheckpoint();
    if (stored) return (this.lastStored = stored);
    const { rows } = await this.pool.query<{ created_position: string }>(`SELECT created_position FROM webhook_endpoints WHERE id = $1`, [this.endpointId]);
    const start = rows[0] && parsePosition(rows[0].created_position);
    if (!start) throw new EndpointInactiveError();
    await this.pool.query(
      `UPDATE projection_checkpoints SET position_commit = $3, position_prepare = $4, updated_at = now()
        WHERE projection = $1 AND version = $2 AND position_commit IS NULL`,
      [this.name, VERSION, start.commit.toString(), start.prepare.toString()],
    );
    return (this.lastStored = (await this.storedCheckpoint()) ?? start);
  }

  async applyBatch(events: ProjectedEvent[], checkpoint: Position): Promise<{ deadLettered: number }> {
    for (const event of events) {
      if (event.kind !== 'domain') continue;
      for (const integration of toIntegrationEvents(event, { id: event.id, occurredAt: event.metadata.occurredAt })) {
        await this.deliver(integration, event.position);
      }
    }
    await this.storingCheckpoint(checkpoint, (client) => this.moveCheckpoint(client, checkpoint, events.length));
    return { deadLettered: 0 };
  }

  async activate(): Promise<void> {
    // One version only: an endpoint's deliveries are replayed (its checkpoint moved back), never rebuilt.
  }

  async drop(): Promise<void> {}

  /** Delivers one event until it succeeds; throws when the endpoint is disabled, or the checkpoint was moved. */
  private async deliver(event: IntegrationEvent, position: Position): Promise<void> {
    for (;;) {
      const endpoint = await this.enabledEndpoint();
      if (!endpoint.types.includes(event.type)) return;
      const failure = await this.failure(event.id);
      const hadFailure = this.failing !== null;
      const attempt = (failure?.attempts ?? 0) + 1;
      const outcome = await this.attempt(endpoint, event);
      const now = this.settings.clock.now();
      const succeeded = outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300;
      this.settings.onAttempt?.(this.endpointId, succeeded ? 'succeeded' : 'failed', outcome.durationMs);
      if (succeeded) {
        await this.storingCheckpoint(position, async (client) => {
          await this.record(client, event, position, attempt, now, outcome, undefined);
          if (hadFailure) await client.query(`DELETE FROM webhook_failures WHERE endpoint_id = $1`, [this.endpointId]);
          await this.moveCheckpoint(client, position, 0);
        });
        this.failing = null;
        return;
      }
      const since = failure?.since ?? now;
      const next = nextAttemptAt(since, now, attempt, this.settings.retry, this.settings.random);
      await inTransaction(this.pool, async (client) => {
        await this.record(client, event, position, attempt, now, outcome, next);
        await client.query(
          `INSERT INTO webhook_failures (endpoint_id, event_id, failing_since, attempts) VALUES ($1, $2, $3, $4)
           ON CONFLICT (endpoint_id) DO UPDATE SET event_id = EXCLUDED.event_id, failing_since = EXCLUDED.failing_since, attempts = EXCLUDED.attempts`,
          [this.endpointId, event.id, new Date(since), attempt],
        );
      });
      this.failing = { eventId: event.id, since, attempts: attempt };
      if (next === undefined) {
        await this.disable(event, position, since, now);
        throw new EndpointInactiveError();
      }
      await this.waitUntil(next);
    }
  }

  private async attempt(endpoint: KnownEndpoint, event: IntegrationEvent): Promise<PostOutcome> {
    const started = performance.now();
    // Resolved and checked at every attempt: a name that turned private since its creation (DNS rebinding) is refused.
    const target = await resolveWebhookTarget(endpoint.url, this.settings.allowPrivate, this.settings.resolver);
    const address = target.addresses[0];
    if (target.check.verdict !== 'allowed' || !address) {
      return { kind: 'failed', error: target.check.verdict === 'private' ? 'target_refused' : 'dns_error', durationMs: Math.round(performance.now() - started) };
    }
    const body = JSON.stringify(event);
    const timestamp = Math.floor(this.settings.clock.now() / 1000);
    const headers = signWebhook(signingSecrets(endpoint, new Date(this.settings.clock.now()).toISOString()), event.id, timestamp, body);
    return postWebhook({ url: endpoint.url, address, headers, body, signal: this.abort.signal, ...(this.settings.timeoutMs ? { timeoutMs: this.settings.timeoutMs } : {}) });
  }

  /** Sleeps until `at`, looking now and then whether the checkpoint was moved (a replay) or the process stops. */
  private async waitUntil(at: number): Promise<void> {
    const poll = this.settings.pollMs ?? 1_000;
    for (let left = at - this.settings.clock.now(); left > 0; left = at - this.settings.clock.now()) {
      await this.settings.clock.sleep(Math.min(left, poll), this.abort.signal);
      await this.requireCheckpointUnmoved();
    }
  }

  private async disable(event: IntegrationEvent, position: Position, since: number, now: number): Promise<void> {
    await this.stream.disable(this.endpointId, event.id, new Date(since), new Date(now));
    await inTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, event_occurred_at, position_commit, position_prepare, attempt, attempted_at, status, error, duration_ms)
         VALUES ($1, $2, 'webhook.disabled', $3, $4, $5, 0, $6, 'endpoint_disabled', 'retry_window_exhausted', 0)`,
        [this.endpointId, event.id, event.occurredAt, position.commit.toString(), position.prepare.toString(), new Date(now)],
      );
      // A fresh window when the endpoint is enabled again.
      await client.query(`DELETE FROM webhook_failures WHERE endpoint_id = $1`, [this.endpointId]);
    });
    this.failing = null;
    this.endpoint = undefined;
    this.settings.onDisabled?.(this.endpointId);
  }

  private async enabledEndpoint(): Promise<KnownEndpoint> {
    if (this.abort.signal.aborted) throw new DeliveryInterruptedError();
    const now = this.settings.clock.now();
    if (!this.endpoint || now - this.endpoint.readAt > ENDPOINT_FRESH_MS || now < this.endpoint.readAt) {
      const { state } = await this.stream.load(this.endpointId);
      if (state.status !== 'enabled') throw new EndpointInactiveError();
      this.endpoint = { state, readAt: now };
    }
    return this.endpoint.state;
  }

  private async failure(eventId: string): Promise<{ since: number; attempts: number } | undefined> {
    if (this.failing === null) return undefined;
    if (this.failing) return this.failing.eventId === eventId ? this.failing : undefined;
    const { rows } = await this.pool.query<{ event_id: string; failing_since: Date; attempts: number }>(
      `SELECT event_id, failing_since, attempts FROM webhook_failures WHERE endpoint_id = $1`,
      [this.endpointId],
    );
    const row = rows[0];
    this.failing = row ? { eventId: row.event_id, since: row.failing_since.getTime(), attempts: row.attempts } : null;
    // A failure of another event is stale (a replay moved the checkpoint): this event's window starts now.
    return row && row.event_id === eventId ? { since: row.failing_since.getTime(), attempts: row.attempts } : undefined;
  }

  private async record(client: PoolClient, event: IntegrationEvent, position: Position, attempt: number, now: number, outcome: PostOutcome, next: number | undefined): Promise<void> {
    const answered = outcome.kind === 'answered';
    const succeeded = answered && outcome.status >= 200 && outcome.status < 300;
    await client.query(
      `INSERT INTO webhook_deliveries
         (endpoint_id, event_id, event_type, event_occurred_at, position_commit, position_prepare, attempt, attempted_at, status, http_status, error, duration_ms, next_retry_at, response_excerpt)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        this.endpointId,
        event.id,
        event.type,
        event.occurredAt,
        position.commit.toString(),
        position.prepare.toString(),
        attempt,
        new Date(now),
        succeeded ? 'succeeded' : 'failed',
        answered ? outcome.status : null,
        answered ? (succeeded ? null : 'http_status') : outcome.error,
        outcome.durationMs,
        next === undefined ? null : new Date(next),
        answered && outcome.excerpt ? outcome.excerpt.slice(0, EXCERPT_COLUMN_CHARS) : null,
      ],
    );
  }

  private async storedCheckpoint(): Promise<Position | undefined> {
    const { rows } = await this.pool.query<{ position_commit: string | null; position_prepare: string | null }>(
      `SELECT position_commit, position_prepare FROM projection_checkpoints WHERE projection = $1 AND version = $2`,
      [this.name, VERSION],
    );
    const row = rows[0];
    return row?.position_commit != null ? { commit: BigInt(row.position_commit), prepare: BigInt(row.position_prepare!) } : undefined;
  }

  /** Whether someone else moved the checkpoint (a replay) since this sink last stored it: an idle one must restart. */
  async checkpointMoved(): Promise<boolean> {
    if (this.lastStored === undefined || this.storing) return false; // not started yet, or mid-store
    const expected = this.lastStored;
    const stored = await this.storedCheckpoint();
    return !this.storing && this.lastStored === expected && !samePosition(stored, expected);
  }

  /** Moves the checkpoint in one transaction with `work`; `lastStored` changes only once it committed. */
  private async storingCheckpoint(to: Position, work: (client: PoolClient) => Promise<void>): Promise<void> {
    this.storing = true;
    try {
      await inTransaction(this.pool, work);
      this.lastStored = to;
    } finally {
      this.storing = false;
    }
  }

  private async requireCheckpointUnmoved(): Promise<void> {
    const stored = await this.storedCheckpoint();
    if (!samePosition(stored, this.lastStored)) throw new CheckpointMovedError(this.name);
  }

  /** Moves the checkpoint only from where this process left it: a replay (or a second process) makes it fail. */
  private async moveCheckpoint(client: PoolClient, to: Position, events: number): Promise<void> {
    const moved = await client.query(
      `UPDATE projection_checkpoints
          SET position_commit = $3, position_prepare = $4, events_processed = events_processed + $5, updated_at = now()
        WHERE projection = $1 AND version = $2 AND position_commit IS NOT DISTINCT FROM $6 AND position_prepare IS NOT DISTINCT FROM $7`,
      [this.name, VERSION, to.commit.toString(), to.prepare.toString(), events, this.lastStored?.commit.toString() ?? null, this.lastStored?.prepare.toString() ?? null],
    );
    if (moved.rowCount !== 1) throw new CheckpointMovedError(this.name);
  }
}

function samePosition(a: Position | undefined, b: Position | undefined): boolean {
  return a === b || (!!a && !!b && a.commit === b.commit && a.prepare === b.prepare);
}
