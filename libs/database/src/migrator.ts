import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';

/** The repository's `migrations/` folder, wherever this file runs from (sources under jest, dist/ after a build). */
export function defaultMigrationsDirectory(): string {
  const candidates = [resolve(__dirname, '../../../migrations'), resolve(__dirname, '../../../../migrations'), resolve(process.cwd(), 'migrations')];
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[2]!;
}

// Any constant works: it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK = 4_220_001;

/**
 * Applies `migrations/*.sql` in name order, each in its own transaction, and records what it applied. Holds an
 * advisory lock throughout, so several processes starting at once migrate once. Returns the names it applied.
 */
export async function migrate(target: string | Pool, directory = defaultMigrationsDirectory()): Promise<string[]> {
  const pool = typeof target === 'string' ? new Pool({ connectionString: target, max: 1 }) : target;
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations');
    const done = new Set(rows.map((row) => row.name));
    const files = (await readdir(directory)).filter((file) => file.endsWith('.sql')).sort();
    const applied: string[] = [];
    for (const file of files.filter((name) => !done.has(name))) {
      const sql = await readFile(join(directory, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(file);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
    if (typeof target === 'string') await pool.end();
  }
}
