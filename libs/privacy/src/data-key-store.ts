import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { inTransaction } from '../../database/src';
import { decrypt, encrypt } from './aes-gcm';
import type { MasterKey } from './master-key';

/** The subject's key was destroyed: what was sealed with it is gone for good. */
export const ERASED = Symbol('erased');
export type Erased = typeof ERASED;

const CACHE_LIMIT = 10_000;
const CACHE_TTL_MS = 30_000;

/**
 * Per-subject data keys in PostgreSQL, wrapped by the master key (`data_keys`), with a small cache.
 * A key destroyed by this process is evicted at once; other processes stop using it within `CACHE_TTL_MS` (and
 * nothing new is sealed with it anywhere, since sealing a new value re-checks the key's existence on a cache miss
 * only — keep the TTL short).
 */
export class DataKeyStore {
  private readonly cache = new Map<string, { key: KeyObject; at: number }>();
  /** The master key as a KeyObject, made once (see aes-gcm.ts). */
  private readonly wrappingKey: KeyObject;

  constructor(
    private readonly pool: Pool,
    private readonly master: MasterKey,
    private readonly now: () => number = Date.now,
  ) {
    this.wrappingKey = createSecretKey(master.key);
  }

  /** The subject's key, created on first use. ERASED when the subject was erased. Race-safe: one key per subject. */
  async keyFor(subjectId: string): Promise<KeyObject | Erased> {
    const cached = this.cached(subjectId);
    if (cached) return cached;
    const existing = await this.load(subjectId);
    if (existing) return existing;
    const key = randomBytes(32);
    await this.pool.query(
      `INSERT INTO data_keys (subject_id, wrapped_key, master_key_id)
       SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM erased_subjects WHERE subject_id = $1)
       ON CONFLICT (subject_id) DO NOTHING`,
      [subjectId, encrypt(this.wrappingKey, key, `data-key:${subjectId}`), this.master.id],
    );
    // Whoever won the race, everyone uses the key that was stored.
    return (await this.load(subjectId)) ?? ERASED;
  }

  /** The subject's key if it exists, without creating one (for reading). */
  async existingKey(subjectId: string): Promise<KeyObject | Erased | undefined> {
    return this.cached(subjectId) ?? (await this.load(subjectId));
  }

  /** Keys of many subjects in one query (reading a batch of events). */
  async existingKeys(subjectIds: string[]): Promise<Map<string, KeyObject | Erased>> {
    const result = new Map<string, KeyObject | Erased>();
    const missing: string[] = [];
    for (const id of new Set(subjectIds)) {
      const cached = this.cached(id);
      if (cached) result.set(id, cached);
      else missing.push(id);
    }
    if (missing.length === 0) return result;
    const { rows } = await this.pool.query<{ subject_id: string; wrapped_key: Buffer | null; erased: boolean }>(
      `SELECT s.id AS subject_id, k.wrapped_key, e.subject_id IS NOT NULL AS erased
         FROM unnest($1::text[]) AS s (id)
         LEFT JOIN data_keys k ON k.subject_id = s.id
         LEFT JOIN erased_subjects e ON e.subject_id = s.id`,
      [missing],
    );
    for (const row of rows) {
      if (row.erased) result.set(row.subject_id, ERASED);
      else if (row.wrapped_key) result.set(row.subject_id, this.unwrap(row.subject_id, row.wrapped_key));
    }
    return result;
  }

  /** Crypto-shredding: deletes the key and remembers that the subject was erased. */
  async destroy(subjectId: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('INSERT INTO erased_subjects (subject_id) VALUES ($1) ON CONFLICT DO NOTHING', [subjectId]);
      await client.query('DELETE FROM data_keys WHERE subject_id = $1', [subjectId]);
    });
    this.cache.delete(subjectId);
  }

  private cached(subjectId: string): KeyObject | undefined {
    const entry = this.cache.get(subjectId);
    if (!entry) return undefined;
    if (this.now() - entry.at > CACHE_TTL_MS) {
      this.cache.delete(subjectId);
      return undefined;
    }
    return entry.key;
  }

  private async load(subjectId: string): Promise<KeyObject | Erased | undefined> {
    return (await this.existingKeys([subjectId])).get(subjectId);
  }

  private unwrap(subjectId: string, wrapped: Buffer): KeyObject {
    const key = createSecretKey(decrypt(this.wrappingKey, wrapped, `data-key:${subjectId}`));
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(subjectId, { key, at: this.now() });
    return key;
  }
}
