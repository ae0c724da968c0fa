import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { Client, type Notification, type Pool } from 'pg';
import { inTransaction } from '@accounts/database';
import { decrypt, encrypt } from './aes-gcm';
import type { MasterKey } from './master-key';

/** The subject's key was destroyed: what was sealed with it is gone for good. */
export const ERASED = Symbol('erased');
export type Erased = typeof ERASED;

const CACHE_LIMIT = 10_000;
const CACHE_TTL_MS = 30_000;
/** The channel on which a destroyed key's subject id is announced (an id, never personal data). */
const DESTROYED_CHANNEL = 'data_key_destroyed';
const RELISTEN_DELAY_MS = 1_000;

/**
 * Per-subject data keys in PostgreSQL, wrapped by the master key (`data_keys`), with a small cache.
 *
 * A destroyed key is announced with NOTIFY in the transaction that deletes it. A process that listens
 * (`listenForDestroyedKeys`, as the API and the projectors do) drops it from its cache the moment the deletion
 * commits, and caches keys only while its listening connection is up: when it drops, the whole cache goes, since an
 * announcement may have been missed. A process that does not listen (benchmarks) keeps keys for `CACHE_TTL_MS` at
 * most.
 */
export class DataKeyStore {
  private readonly cache = new Map<string, { key: KeyObject; at: number }>();
  /** Set once `listenForDestroyedKeys` was called: caching then depends on the listener being connected. */
  private listening: { client: Client | undefined; closed: boolean; retry?: NodeJS.Timeout } | undefined;
  /**
   * Subjects whose key was announced destroyed: a read that started before the deletion committed may return the key
   * after the announcement, and must not put it back in the cache. (A destroyed key never comes back.)
   */
  private readonly announcedDestroyed = new Set<string>();
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

  /** Crypto-shredding: deletes the key and remembers that the subject was erased; every listening process hears it. */
  async destroy(subjectId: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('INSERT INTO erased_subjects (subject_id) VALUES ($1) ON CONFLICT DO NOTHING', [subjectId]);
      await client.query('DELETE FROM data_keys WHERE subject_id = $1', [subjectId]);
      await client.query('SELECT pg_notify($1, $2)', [DESTROYED_CHANNEL, subjectId]);
    });
    this.cache.delete(subjectId);
  }

  /**
   * Opens a connection of its own that LISTENs for destroyed keys, and keeps it open (reconnecting after a loss)
   * until `close`. Resolves once listening, or rejects if the first connection fails.
   */
  async listenForDestroyedKeys(): Promise<void> {
    this.listening ??= { client: undefined, closed: false };
    await this.connectListener();
  }

  async close(): Promise<void> {
    if (!this.listening) return;
    this.listening.closed = true;
    clearTimeout(this.listening.retry);
    const client = this.listening.client;
    this.listening.client = undefined;
    this.cache.clear();
    await client?.end().catch(() => undefined);
  }

  /** Nest calls this on shutdown when the store is one of its providers. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private async connectListener(): Promise<void> {
    const listening = this.listening!;
    const client = new Client({ ...(this.pool.options as object), application_name: 'accounts-data-key-listener' });
    const lost = () => {
      if (listening.client !== client) return;
      listening.client = undefined;
      this.cache.clear(); // an announcement may be missed while disconnected
      void client.end().catch(() => undefined);
      if (!listening.closed) listening.retry = setTimeout(() => void this.connectListener().catch(() => undefined), RELISTEN_DELAY_MS);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message: Notification) => {
      if (message.channel !== DESTROYED_CHANNEL || !message.payload) return;
      this.cache.delete(message.payload);
      if (this.announcedDestroyed.size >= CACHE_LIMIT) this.announcedDestroyed.delete(this.announcedDestroyed.values().next().value!);
      this.announcedDestroyed.add(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${DESTROYED_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      if (!listening.closed) listening.retry = setTimeout(() => void this.connectListener().catch(() => undefined), RELISTEN_DELAY_MS);
      throw error;
    }
    if (listening.closed) return void (await client.end().catch(() => undefined));
    listening.client = client;
  }

  private cached(subjectId: string): KeyObject | undefined {
    // While the listener is down, nothing is cached: a destroyed key could not be heard of.
    if (this.listening && !this.listening.client) return undefined;
    const entry = this.cache.get(subjectId);
    if (!entry) return undefined;
    if (!this.listening && this.now() - entry.at > CACHE_TTL_MS) {
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
    if ((this.listening && !this.listening.client) || this.announcedDestroyed.has(subjectId)) return key;
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(subjectId, { key, at: this.now() });
    return key;
  }
}
