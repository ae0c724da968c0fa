import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Pool } from 'pg';
import type { TestDatabase } from './postgres';
import { freeTcpPort } from './free-port';
import { survivesServerLoss } from '@accounts/database';

const run = promisify(execFile);
const BIN = process.env.TEST_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL cluster of the test's own, on a free port, that the test may kill: the machine's cluster is shared by
 * every suite (and every engineer), so no fault is ever injected there. PostgreSQL refuses to run as root, so when the
 * tests run as root the cluster is made and run by the `postgres` user, in a temporary directory that user owns.
 */
export interface PrivatePostgres {
  port: number;
  /** A URL to a database of this cluster (superuser `root`, trust auth). */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
  /** A new database on this cluster, as the app helpers take it (`createTestApp({ database })`). */
  createTestDatabase(name: string): Promise<TestDatabase>;
  /** kill -9 of the postmaster and every backend: a crash, as the OOM killer or a lost host would cause. */
  kill(): Promise<void>;
  /** Starts the cluster again (crash recovery runs first) and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the cluster for good and deletes its files. */
  destroy(): Promise<void>;
}

function asPostgresUser(command: string, args: string[]): Promise<{ stdout: string }> {
  const root = process.getuid?.() === 0;
  return root ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    const { stdout } = await run('pgrep', ['-P', String(pid)]);
    return stdout.split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

export async function startPrivatePostgres(settings: Record<string, string> = {}): Promise<PrivatePostgres> {
  const directory = mkdtempSync(join(tmpdir(), 'private-pg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: group } = await run('id', ['-g', 'postgres']);
    chownSync(directory, Number(stdout.trim()), Number(group.trim()));
  }
  const data = join(directory, 'data');
  const port = await freeTcpPort();
  await asPostgresUser(`${BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'root', '--no-sync', '-E', 'UTF8']);
  // Small and fast: no durability needed beyond surviving kill -9 (fsync off keeps the page cache, which a killed
  // process does not lose), few connections, sockets in the cluster's own directory.
  const options = {
    port: String(port),
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: `'${directory}'`,
    fsync: 'off',
    full_page_writes: 'off',
    shared_buffers: '32MB',
    max_connections: '100',
    ...settings,
  };
  const optionFlags = Object.entries(options)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
  const start = async () => {
    await asPostgresUser(`${BIN}/pg_ctl`, ['-D', data, '-l', join(directory, 'log'), '-o', optionFlags, '-w', '-t', '60', 'start']);
  };
  await start();
  const url = (database = 'postgres') => `postgres://root@127.0.0.1:${port}/${database}`;
  const postmasterPid = () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const kill = async () => {
    const pid = postmasterPid();
    const backends = await childrenOf(pid);
    for (const child of [pid, ...backends]) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    // Wait until the port is free, so that start() finds no live postmaster and runs crash recovery.
    for (let attempt = 0; attempt < 100; attempt++) {
      if (!(await Promise.all([pid, ...backends].map(alive))).some(Boolean)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const createDatabase = async (name: string) => {
    const client = new Client({ connectionString: url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return url(name);
  };
  return {
    port,
    url,
    createDatabase,
    async createTestDatabase(name) {
      const databaseUrl = await createDatabase(name);
      const pool = new Pool({ connectionString: databaseUrl, max: 4 });
      survivesServerLoss(pool); // connections die with the cluster when a test kills it
      return { url: databaseUrl, name, pool, drop: async () => void (await pool.end().catch(() => undefined)) };
    },
    kill,
    start,
    async destroy() {
      await asPostgresUser(`${BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', 'stop']).catch(() => kill());
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
