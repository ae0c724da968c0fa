import type { Pool } from 'pg';
import type { IdempotencyClaimOutcome, IdempotencyClaimRequest } from '../../../../libs/event-store/src';

export interface StoredResponse {
  statusCode: number;
  body: unknown;
  headers: Record<string, string>;
}

export type Claim = IdempotencyClaimOutcome;

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
 */
export class IdempotencyStore {
  constructor(
    private readonly pool: Pool,
    private readonly staleAfterMs = 30_000,
  ) {}

  /** One round trip: `idempotency_claim` (migrations/0012_claimed_append.sql) holds the rules above. */
  async claim(owner: IdempotencyOwner, key: string, fingerprint: string): Promise<Claim> {
    const { rows } = await this.pool.query<ClaimRow>('SELECT * FROM idempotency_claim($1, $2, $3, $4, $5)', [owner.service, owner.actor, key, fingerprint, this.staleAfterMs]);
    return claimOf(rows[0]!);
  }

  /**
   * For a command that appended nothing (a refusal, nothing to do, a recognised repeat): claim the key and store its
   * response in one round trip. Another outcome than `claimed` means nothing was stored: answer that outcome instead.
   */
  async claimAndComplete(owner: IdempotencyOwner, key: string, fingerprint: string, response: StoredResponse, subjectId: string | undefined): Promise<Claim> {
    const { rows } = await this.pool.query<ClaimRow>('SELECT * FROM idempotency_claim_and_complete($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
      owner.service,
      owner.actor,
      key,
      fingerprint,
      this.staleAfterMs,
      response.statusCode,
      JSON.stringify(response.body ?? null),
      JSON.stringify(response.headers),
      subjectId ?? null,
    ]);
    return claimOf(rows[0]!);
  }

  /** What a claim of this store needs, for an event store that claims with its append (ClaimingAppender). */
  claimRequest(owner: IdempotencyOwner, key: string, fingerprint: string): IdempotencyClaimRequest {
    return { ...owner, key, fingerprint, staleAfterMs: this.staleAfterMs };
  }

  async complete({ service, actor }: IdempotencyOwner, key: string, response: StoredResponse, subjectId: string | undefined): Promise<void> {
    await this.pool.query(
      `UPDATE idempotency_records
          SET state = 'completed', status_code = $3, response_body = $4, response_headers = $5, subject_id = $6,
              completed_at = now()
        WHERE service = $1 AND actor_id = $7 AND idempotency_key = $2`,
      [service, key, response.statusCode, JSON.stringify(response.body ?? null), JSON.stringify(response.headers), subjectId ?? null, actor],
    );
  }

  /** Gives the key back, for outcomes a repeat should not replay (a lost race, an outage). */
  async release({ service, actor }: IdempotencyOwner, key: string): Promise<void> {
    await this.pool.query(`DELETE FROM idempotency_records WHERE service = $1 AND actor_id = $2 AND idempotency_key = $3 AND state = 'pending'`, [
      service,
      actor,
      key,
    ]);
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
}
