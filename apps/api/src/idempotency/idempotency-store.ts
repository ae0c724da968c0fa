import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { isStoreUnavailable } from '@accounts/database';
import type { IdempotencyClaimOutcome, IdempotencyClaimRequest } from '@accounts/event-store';
import { ERASED, type FieldSealer, SubjectErasedError } from '@accounts/privacy';

export interface StoredResponse {
  statusCode: number;
  body: unknown;
  headers: Record<string, string>;
}

export type Claim = IdempotencyClaimOutcome;

/** A stored response whose subject was erased: its body cannot be opened any more (see `open`). */
export const RESPONSE_ERASED = Symbol('response erased');

/**
 * A stored body with a subject, as `response_body` holds it: the response's JSON text sealed with the subject's data
 * key (`enc:v1:`, the subject id as authenticated data), beside the subject's id, which opening needs and which is
 * no personal data (stream names carry it too). `sealed` is absent when the subject was already erased when the
 * response was stored. A body without `$sealed` is plain JSON: a response with no subject, or a row written before
 * bodies were sealed (kept readable for a rolling deploy, and until such rows expire).
 */
interface SealedBody {
  $sealed: { subject: string; sealed?: string };
}

function isSealedBody(body: unknown): body is SealedBody {
  return typeof body === 'object' && body !== null && typeof (body as Partial<SealedBody>).$sealed?.subject === 'string';
}

/** Owed releases are retried after this long, doubling up to the most while PostgreSQL stays down. */
const OWED_RETRY_FIRST_MS = 250;
const OWED_RETRY_MAX_MS = 4_000;
/** Releases owed at most: past it (a long outage under heavy traffic) a failed run's claim only goes stale, as before. */
const OWED_LIMIT = 100_000;

interface ClaimRow {
  outcome: Claim['outcome'];
  status_code: number | null;
  response_body: unknown;
  response_headers: Record<string, string> | null;
}

function claimOf(row: ClaimRow): Claim {
  if (row.outcome === 'replay') return { outcome: 'replay', response: { statusCode: row.status_code!, body: row.response_body, headers: row.response_headers ?? {} } };
  return { outcome: row.outcome };
}

/**
 * Who made a request: records belong to (calling service, actor, key), so another actor of the same service who sends
 * the same key and body never receives the stored response (nor its owner an outsider's). `actor` is '' without
 * X-Actor-Id.
 */
export interface IdempotencyOwner {
  service: string;
  actor: string;
}

/**
 * Idempotency records in PostgreSQL. A command first claims its key (a `pending` row); the first response is then
 * stored with it. A pending claim older than `staleAfterMs` belongs to a process that died mid-command: the next
 * repeat takes it over and runs the command again, which is safe because its event ids are derived from the key.
 *
 * Every run claims with a token of its own (`claimRequest`), and completes or gives back only a claim that still
 * carries it. A run that failed because a store was down gives its key back at once; when PostgreSQL itself is the
 * store that is down, the release is owed: retried in the background until PostgreSQL answers, and before any new
 * claim of the same key from this process, so a caller's retry after the outage is not refused as in flight.
 *
 * A response with a subject (whose personal data it holds, `IdempotentRequest.idempotencySubject`) is stored sealed
 * with that subject's data key, by the sealer the event codec uses: the command has just sealed or opened that
 * person's fields, so the key is in the cache and sealing costs no round trip. Erasure destroys the key, so the
 * stored response, and every backup or WAL segment holding it, is unreadable from then on even before
 * `forgetSubject` deletes it. A response without a subject is stored as it is and must hold no personal data.
 */
export class IdempotencyStore {
  /** Releases that failed because PostgreSQL was unreachable, by key (see identity()). */
  private readonly owed = new Map<string, IdempotencyClaimRequest>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = OWED_RETRY_FIRST_MS;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly sealer: FieldSealer,
    private readonly staleAfterMs = 30_000,
  ) {}

  /** One run's claim of `key`: a new token every time, so two runs of one key never share one. */
  claimRequest(owner: IdempotencyOwner, key: string, fingerprint: string): IdempotencyClaimRequest {
    return { ...owner, key, fingerprint, staleAfterMs: this.staleAfterMs, token: randomUUID() };
  }

  /** One round trip (`idempotency_claim`, migrations/0012_claimed_append.sql and 0018), after any release owed for the key. */
  async claim(request: IdempotencyClaimRequest): Promise<Claim> {
    await this.settleOwed(request);
    const { service, actor, key, fingerprint, staleAfterMs, token } = request;
    const { rows } = await this.owingOnOutage(request, this.pool.query<ClaimRow>('SELECT * FROM idempotency_claim($1, $2, $3, $4, $5, $6)', [service, actor, key, fingerprint, staleAfterMs, token]));
    return claimOf(rows[0]!);
  }

  /**
   * For a command that appended nothing (a refusal, nothing to do, a recognised repeat): claim the key and store its
   * response in one round trip. Another outcome than `claimed` means nothing was stored: answer that outcome instead.
   */
  async claimAndComplete(request: IdempotencyClaimRequest, response: StoredResponse, subjectId: string | undefined): Promise<Claim> {
    await this.settleOwed(request);
    const { service, actor, key, fingerprint, staleAfterMs, token } = request;
    const claimed = this.pool.query<ClaimRow>('SELECT * FROM idempotency_claim_and_complete($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
      service,
      actor,
      key,
      fingerprint,
      staleAfterMs,
      token,
      response.statusCode,
      await this.storedBody(response.body, subjectId),
      JSON.stringify(response.headers),
      subjectId ?? null,
    ]);
    const { rows } = await this.owingOnOutage(request, claimed);
    return claimOf(rows[0]!);
  }

  /** Stores the response with this run's claim; nothing if another run has taken the claim over since. */
  async complete({ service, actor, key, token }: IdempotencyClaimRequest, response: StoredResponse, subjectId: string | undefined): Promise<void> {
    const body = await this.storedBody(response.body, subjectId);
    await this.pool.query(
      `UPDATE idempotency_records
          SET state = 'completed', status_code = $3, response_body = $4, response_headers = $5, subject_id = $6,
              completed_at = now()
        WHERE service = $1 AND actor_id = $7 AND idempotency_key = $2 AND claim_token = $8`,
      [service, key, response.statusCode, body, JSON.stringify(response.headers), subjectId ?? null, actor, token],
    );
  }

  /**
   * A stored response as its first run answered it (status, headers, and the body as the same JSON text), from
   * either shape of `response_body`; RESPONSE_ERASED when it was sealed for a subject whose key is destroyed.
   */
  async open(response: StoredResponse): Promise<StoredResponse | typeof RESPONSE_ERASED> {
    if (!isSealedBody(response.body)) return response;
    const { subject, sealed } = response.body.$sealed;
    if (sealed === undefined) return RESPONSE_ERASED;
    const opened = await this.sealer.open(subject, sealed);
    if (opened === ERASED) return RESPONSE_ERASED;
    return { ...response, body: JSON.parse(opened) as unknown };
  }

  /**
   * Gives this run's claim back, for outcomes a repeat should not replay (a lost race, an outage). Never throws for
   * an unreachable PostgreSQL: the release is then owed (see the class comment), and the caller answers with the
   * command's own error.
   */
  async release(request: IdempotencyClaimRequest): Promise<void> {
    try {
      await this.deletePending(request);
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      this.owe(request);
    }
  }

  /** Stops retrying owed releases (a claim left owed goes stale after `staleAfterMs`, as a crashed run's does). */
  onModuleDestroy(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Erasure: responses about this person go with them. */
  async forgetSubject(subjectId: string): Promise<number> {
    const result = await this.pool.query(`DELETE FROM idempotency_records WHERE subject_id = $1`, [subjectId]);
    return result.rowCount ?? 0;
  }

  async deleteOlderThan(hours: number): Promise<number> {
    const result = await this.pool.query(`DELETE FROM idempotency_records WHERE created_at < now() - make_interval(hours => $1)`, [hours]);
    return result.rowCount ?? 0;
  }

  /** `response_body` as stored: the body's JSON, sealed when the response has a subject (see the class comment). */
  private async storedBody(body: unknown, subjectId: string | undefined): Promise<string> {
    const json = JSON.stringify(body ?? null);
    if (subjectId === undefined) return json;
    try {
      return JSON.stringify({ $sealed: { subject: subjectId, sealed: await this.sealer.seal(subjectId, json) } } satisfies SealedBody);
    } catch (error) {
      // Erased while the command ran (its erasure finished between the append and this): nothing of the response
      // is kept, only that the key was answered, so a repeat is told the response is gone instead of running again.
      if (error instanceof SubjectErasedError) return JSON.stringify({ $sealed: { subject: subjectId } } satisfies SealedBody);
      throw error;
    }
  }

  private async deletePending({ service, actor, key, token }: IdempotencyClaimRequest): Promise<void> {
    await this.pool.query(
      `DELETE FROM idempotency_records WHERE service = $1 AND actor_id = $2 AND idempotency_key = $3 AND state = 'pending' AND claim_token = $4`,
      [service, actor, key, token],
    );
  }

  /**
   * A claim whose answer was lost with the connection may have committed all the same: its release is owed, which
   * deletes nothing if it did not (or if it stored a response).
   */
  private async owingOnOutage<T>(request: IdempotencyClaimRequest, claiming: Promise<T>): Promise<T> {
    try {
      return await claiming;
    } catch (error) {
      if (isStoreUnavailable(error)) this.owe(request);
      throw error;
    }
  }

  private owe(request: IdempotencyClaimRequest): void {
    if (this.closed || this.owed.size >= OWED_LIMIT) return;
    this.owed.set(identity(request), request);
    this.scheduleOwed();
  }

  /** A release owed for this key is made first; if PostgreSQL is still down, so is the claim (it throws). */
  private async settleOwed(request: IdempotencyClaimRequest): Promise<void> {
    const owed = this.owed.get(identity(request));
    if (!owed) return;
    await this.deletePending(owed);
    if (this.owed.get(identity(request)) === owed) this.owed.delete(identity(request));
  }

  private scheduleOwed(): void {
    if (this.retryTimer || this.closed || this.owed.size === 0) return;
    this.retryTimer = setTimeout(() => void this.retryOwed(), this.retryDelayMs);
    this.retryTimer.unref(); // a pending retry never keeps the process alive: the claim would go stale anyway
  }

  private async retryOwed(): Promise<void> {
    for (const [id, owed] of [...this.owed]) {
      try {
        await this.deletePending(owed);
        if (this.owed.get(id) === owed) this.owed.delete(id);
      } catch (error) {
        if (!isStoreUnavailable(error)) this.owed.delete(id); // not an outage: retrying would not help
        else break; // still down: try the rest later
      }
    }
    this.retryTimer = undefined;
    this.retryDelayMs = this.owed.size === 0 ? OWED_RETRY_FIRST_MS : Math.min(this.retryDelayMs * 2, OWED_RETRY_MAX_MS);
    this.scheduleOwed();
  }
}

function identity({ service, actor, key }: IdempotencyClaimRequest): string {
  return `${service}\u0000${actor}\u0000${key}`;
}
