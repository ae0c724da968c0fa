import type { Pool } from 'pg';
import type { EventStore } from '@accounts/event-store';
import { ERASED_VALUE, type EmailedTokens } from '@accounts/privacy';
import type { DeadLetterRecorder } from '../runtime/dead-letters';
import type { LeaseConnection } from '../runtime/projection-lease';
import type { ProjectionRegistry } from '../runtime/projection-registry';
import type { EventDecoder } from '../runtime/projection-runner';
import type { MailKind } from './mail-plan';
import { messageIdFor, renderMail } from './mail-templates';
import { classifyDeliveryError, type MailTransport } from './mail-transport';

export interface MailSenderOptions {
  pool: Pool;
  eventStore: EventStore;
  /** The projections' decoder: it opens the address in the one event that carries it. */
  decoder: EventDecoder;
  tokens: EmailedTokens;
  transport: MailTransport;
  lease: LeaseConnection;
  registry: ProjectionRegistry;
  deadLetters: DeadLetterRecorder;
  from: string;
  linkBase: string;
  tickMs?: number;
  /** Mail claimed per tick, and how many are in flight at once. */
  batchSize?: number;
  concurrency?: number;
  /** The first retry's delay; each further one doubles it, up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  onError?(error: unknown): void;
  onEvent?(event: string, details: Record<string, unknown>): void;
}

interface OutboxRow {
  event_id: string;
  event_type: string;
  stream_name: string;
  position_commit: string;
  position_prepare: string;
  kind: MailKind;
  subject_id: string;
  token_id: string;
  expires_at: Date;
  address_stream: string;
  address_revision: string;
  attempts: number;
}

/** The name of the sender's lease: one process sends, as one runs each projection. */
export const MAIL_SENDER_LEASE = 'mail-sender';

/**
 * Delivers the outbox's mail, at least once: a row is marked sent only after the server accepted it, so a crash in
 * between sends it again, with the same Message-ID (from its event), which makes the repeat recognisable. Each mail
 * has its own next attempt: a temporary failure (4xx, a refused connection) delays that mail with a growing,
 * jittered backoff and the others go on; a permanent one (5xx) parks it as a dead letter of the `mail` projection,
 * where `projections status` shows it. The address is opened from its event only to send, and never logged.
 */
export class MailSender {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = true;
  private leading = false;

  constructor(private readonly options: MailSenderOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    if (this.leading) await this.options.lease.release(MAIL_SENDER_LEASE);
    this.leading = false;
    this.options.transport.close();
  }

  /** One round now: claim what is due and deliver it (tests and the benchmark call it to avoid the timer). */
  tick(): Promise<void> {
    this.ticking ??= this.deliverDue()
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private schedule(delayMs = this.options.tickMs ?? 200): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), delayMs);
  }

  private async deliverDue(): Promise<void> {
    if (this.stopped || !(await this.holdLease())) return;
    const { live } = await this.options.registry.versions('mail');
    if (!live || live.paused) return; // paused with its projection: an operator stopped mail
    const batchSize = this.options.batchSize ?? 100;
    for (;;) {
      const { rows } = await this.options.pool.query<OutboxRow>(
        `SELECT event_id, event_type, stream_name, position_commit, position_prepare, kind, subject_id, token_id, expires_at,
                address_stream, address_revision, attempts
           FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= now()
          ORDER BY next_attempt_at, position_commit, position_prepare LIMIT $1`,
        [batchSize],
      );
      await this.inParallel(rows, (row) => this.deliver(row, live.version));
      if (rows.length < batchSize || this.stopped) return;
    }
  }

  private async holdLease(): Promise<boolean> {
    const { lease } = this.options;
    this.leading = this.leading ? await lease.stillHeld(MAIL_SENDER_LEASE) : await lease.tryAcquire(MAIL_SENDER_LEASE);
    return this.leading;
  }

  private async inParallel(rows: OutboxRow[], work: (row: OutboxRow) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < rows.length && !this.stopped) await work(rows[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 8, rows.length) }, worker));
  }

  private async deliver(row: OutboxRow, version: number): Promise<void> {
    if (row.expires_at.getTime() <= Date.now()) return this.finish(row, 'dropped', 'token_expired');
    const to = await this.addressOf(row);
    if (!to) return this.finish(row, 'dropped', 'address_gone'); // erased since: nobody to write to
    const token = this.options.tokens.tokenFor({ purpose: row.kind, subjectId: row.subject_id, tokenId: row.token_id });
    const rendered = renderMail({ kind: row.kind, token, expiresAt: row.expires_at.toISOString(), linkBase: this.options.linkBase });
    const messageId = messageIdFor(row.event_id, this.options.from);
    try {
      await this.options.transport.send({ from: this.options.from, to, messageId, ...rendered });
    } catch (error) {
      const failure = classifyDeliveryError(error);
      if (failure.permanence === 'permanent') return this.park(row, version, failure.reason);
      return this.later(row, failure.reason);
    }
    await this.finish(row, 'sent', null);
  }

  /** The address in the event the row points at, opened now; undefined when it is erased or the event is gone. */
  private async addressOf(row: OutboxRow): Promise<string | undefined> {
    const [recorded] = await this.options.eventStore.readStream(row.address_stream, { fromRevision: BigInt(row.address_revision), maxCount: 1 });
    if (!recorded) return undefined;
    const [event] = await this.options.decoder.decode([recorded]);
    const email = event?.kind === 'domain' ? (event.data as { email?: unknown }).email : undefined;
    return typeof email === 'string' && email !== ERASED_VALUE && email.includes('@') ? email : undefined;
  }

  private async finish(row: OutboxRow, status: 'sent' | 'dropped', reason: string | null): Promise<void> {
    await this.options.pool.query(
      `UPDATE mail_outbox SET status = $2, attempts = attempts + 1, last_error = $3, sent_at = CASE WHEN $2 = 'sent' THEN now() END WHERE event_id = $1`,
      [row.event_id, status, reason],
    );
  }

  private async later(row: OutboxRow, reason: string): Promise<void> {
    const base = this.options.backoffMs ?? 1_000;
    const delay = Math.min(base * 2 ** row.attempts, this.options.maxBackoffMs ?? 5 * 60_000) * (0.8 + Math.random() * 0.4);
    await this.options.pool.query(
      `UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + make_interval(secs => $3) WHERE event_id = $1`,
      [row.event_id, reason, delay / 1000],
    );
    this.options.onEvent?.('mail deferred', { eventId: row.event_id, attempts: row.attempts + 1, reason, retryInMs: Math.round(delay) });
  }

  private async park(row: OutboxRow, version: number, reason: string): Promise<void> {
    await this.options.pool.query(`UPDATE mail_outbox SET status = 'dead', attempts = attempts + 1, last_error = $2, dead_version = $3 WHERE event_id = $1`, [
      row.event_id,
      reason,
      version,
    ]);
    await this.options.deadLetters.record({
      projection: 'mail',
      version,
      event: { id: row.event_id, type: row.event_type, streamName: row.stream_name, position: { commit: BigInt(row.position_commit), prepare: BigInt(row.position_prepare) } },
      reason,
    });
    this.options.onEvent?.('mail parked', { eventId: row.event_id, reason });
  }
}
