import type { Pool } from 'pg';

export interface StoredResponse {
  statusCode: number;
  body: unknown;
  headers: Record<string, string>;
}

export type Claim =
  | { outcome: 'claimed' }
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'fingerprint_mismatch' }
  | { outcome: 'in_flight' };

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

  async claim(owner: IdempotencyOwner, key: string, fingerprint: string): Promise<Claim> {
    const { service, actor } = owner;
    const inserted = await this.pool.query(
      `INSERT INTO idempotency_records (service, actor_id, idempotency_key, request_fingerprint, state)
       VALUES ($1, $2, $3, $4, 'pending') ON CONFLICT DO NOTHING`,
      [service, actor, key, fingerprint],
    );
    if (inserted.rowCount === 1) return { outcome: 'claimed' };

    const existing = await this.pool.query<{
      request_fingerprint: string;
      state: string;
      status_code: number | null;
      response_body: unknown;
      response_headers: Record<string, string> | null;
      stale: boolean;
    }>(
      `SELECT request_fingerprint, state, status_code, response_body, response_headers,
              created_at < now() - make_interval(secs => $3::double precision / 1000) AS stale
         FROM idempotency_records WHERE service = $1 AND actor_id = $4 AND idempotency_key = $2`,
      [service, key, this.staleAfterMs, actor],
    );
    const row = existing.rows[0];
    if (!row) return this.claim(owner, key, fingerprint); // expired and deleted between the two statements
    if (row.request_fingerprint !== fingerprint) return { outcome: 'fingerprint_mismatch' };
    if (row.state === 'completed') {
      return { outcome: 'replay', response: { statusCode: row.status_code!, body: row.response_body, headers: row.response_headers ?? {} } };
    }
    if (!row.stale) return { outcome: 'in_flight' };
    const takenOver = await this.pool.query(
      `UPDATE idempotency_records SET created_at = now()
        WHERE service = $1 AND actor_id = $4 AND idempotency_key = $2 AND state = 'pending'
          AND created_at < now() - make_interval(secs => $3::double precision / 1000)`,
      [service, key, this.staleAfterMs, actor],
    );
    return takenOver.rowCount === 1 ? { outcome: 'claimed' } : { outcome: 'in_flight' };
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
