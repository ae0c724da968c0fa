import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestApp } from './app';

/** Binary values as their raw bytes (latin1), so plaintext hidden in a bytea column or a Redis blob still shows. */
const raw = (_key: string, value: unknown) =>
  value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' ? Buffer.from((value as { data: number[] }).data).toString('latin1') : value;

/**
 * Everything the service keeps, as one string to search: every event (stream name, type, data, metadata) through the
 * app's event store, every row of every PostgreSQL table (the read model, search, idempotency records, dead letters,
 * data keys, the PostgreSQL event store itself…), every Redis key and value, the app's logs, and every uploaded file
 * in the local object store.
 */
export async function everyStoredByte(t: TestApp): Promise<string> {
  const parts: string[] = [];
  for (const event of await t.allEvents()) parts.push(JSON.stringify([event.streamName, event.type, event.data, event.metadata], raw));

  const { rows: tables } = await t.database.pool.query<{ name: string }>(
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  for (const { name } of tables) parts.push(name, JSON.stringify((await t.database.pool.query(`SELECT * FROM ${name}`)).rows, raw));

  for (const key of await t.redis.keys('*')) {
    const type = await t.redis.type(key);
    const value =
      type === 'string' ? await t.redis.getBuffer(key)
      : type === 'set' ? await t.redis.smembers(key)
      : type === 'hash' ? await t.redis.hgetall(key)
      : type === 'list' ? await t.redis.lrange(key, '0', '-1')
      : type === 'zset' ? await t.redis.zrange(key, '0', '-1')
      : `(${type})`;
    parts.push(key, Buffer.isBuffer(value) ? value.toString('latin1') : JSON.stringify(value));
  }

  parts.push(...t.logs);
  const uploads = t.config.uploadsDir;
  // Recursively: uploads wait under incoming/ until they are confirmed.
  for (const file of existsSync(uploads) ? readdirSync(uploads, { recursive: true, encoding: 'utf8' }) : []) {
    if (statSync(join(uploads, file)).isFile()) parts.push(file, readFileSync(join(uploads, file)).toString('latin1'));
  }
  return parts.join('\n');
}
