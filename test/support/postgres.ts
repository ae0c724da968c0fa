import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { migrate, survivesServerLoss } from '@accounts/database';

/** The machine's PostgreSQL (trust auth); tests make their own databases on it and drop them afterwards. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  name: string;
  pool: Pool;
  drop(): Promise<void>;
}

function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

let templateReady: Promise<string> | undefined;

/**
 * A migrated template, built once per test process: copying it (CREATE DATABASE … TEMPLATE) is much faster than
 * migrating every fresh database. Each jest worker builds its own, so workers never copy a template in use.
 */
function template(): Promise<string> {
  templateReady ??= (async () => {
    const name = `tmpl_${process.pid}_${randomBytes(3).toString('hex')}`;
    await admin(`CREATE DATABASE ${name}`);
    await migrate(urlFor(name));
    return name;
  })();
  return templateReady;
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated, empty database named `<prefix>_<random>`. */
export async function createTestDatabase(prefix = 'es'): Promise<TestDatabase> {
  const source = await template();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name} TEMPLATE ${source}`);
  const url = urlFor(name);
  const pool = new Pool({ connectionString: url, max: 10 });
  survivesServerLoss(pool);
  return {
    url,
    name,
    pool,
    async drop() {
      await pool.end();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Drops this process's template; call from a global teardown or an afterAll of the last suite. */
export async function dropTemplate(): Promise<void> {
  if (!templateReady) return;
  const name = await templateReady;
  templateReady = undefined;
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
