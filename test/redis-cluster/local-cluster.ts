import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freeTcpPort } from '../support/free-port';
import { waitUntilAnswering } from '../support/private-redis';

const run = promisify(execFile);

/**
 * A real Redis Cluster on loopback, made by the test itself: six `redis-server --cluster-enabled yes` (three masters,
 * three replicas) joined with `redis-cli --cluster create`, in a temporary directory, without persistence.
 * A short node timeout (1 s) makes a failover take a few seconds.
 */
export interface LocalCluster {
  /** `redis+cluster://127.0.0.1:<port>,…`: the form REDIS_URL takes for a cluster. */
  url: string;
  ports: number[];
  /** The port of the master that serves `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** Waits until every replica of the master on `port` has every write it acknowledged. */
  replicated(port: number): Promise<void>;
  /** kill -9 the server on `port`. */
  kill(port: number): Promise<void>;
  /** Waits until the cluster serves every slot again, as seen from `viaPort`. */
  healthy(viaPort: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const NODE_TIMEOUT_MS = 1_000;

export async function startLocalCluster(): Promise<LocalCluster> {
  const directory = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const ports: number[] = [];
  const busPorts: number[] = [];
  while (ports.length < 6) {
    const [port, bus] = [await freeTcpPort(), await freeTcpPort()];
    if (port === bus || ports.includes(port) || ports.includes(bus) || busPorts.includes(port) || busPorts.includes(bus)) continue;
    ports.push(port);
    busPorts.push(bus);
  }
  const servers = new Map<number, ChildProcess>();
  for (const [i, port] of ports.entries()) {
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
      // The bus port named explicitly: the default (port + 10000) may be taken, or beyond 65535.
      '--cluster-port', String(busPorts[i]),
      '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
      '--dir', directory, '--save', '', '--appendonly', 'no',
    ];
    servers.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
  }
  const stop = async () => {
    await Promise.all([...servers.keys()].map((port) => kill(port)));
    rmSync(directory, { recursive: true, force: true });
  };
  const kill = async (port: number) => {
    const server = servers.get(port);
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      server.once('exit', () => resolve());
      server.kill('SIGKILL');
    });
  };
  try {
    await Promise.all(ports.map((port) => waitUntilAnswering(port)));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
    await Promise.all(ports.map((port) => healthy(port, 30_000)));
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
    ports,
    masterOf: async (key) => {
      const layout = await clusterNodes(ports.find((port) => servers.get(port)?.exitCode === null && servers.get(port)?.signalCode === null)!);
      const slot = Number(await withNode(layout[0]!.port, (node) => node.call('CLUSTER', 'KEYSLOT', key)));
      const master = layout.find((node) => node.master && node.slots.some(([from, to]) => slot >= from && slot <= to));
      if (!master) throw new Error(`no master serves slot ${slot}`);
      return master.port;
    },
    replicated: async (port) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const info = String(await withNode(port, (node) => node.info('replication')));
        const offset = Number(/master_repl_offset:(\d+)/.exec(info)?.[1]);
        const replicas = [...info.matchAll(/slave\d+:.*offset=(\d+)/g)].map((match) => Number(match[1]));
        if (replicas.length > 0 && replicas.every((replicaOffset) => replicaOffset >= offset)) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('replicas did not catch up');
    },
    kill,
    healthy: (viaPort, timeoutMs = 30_000) => healthy(viaPort, timeoutMs),
    stop,
  };
}

interface NodeLine {
  port: number;
  master: boolean;
  failed: boolean;
  slots: [number, number][];
}

async function clusterNodes(port: number): Promise<NodeLine[]> {
  const text = String(await withNode(port, (node) => node.call('CLUSTER', 'NODES')));
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [, address, flags, , , , , , ...slots] = line.split(' ');
      return {
        port: Number(/:(\d+)@/.exec(address!)?.[1]),
        master: flags!.split(',').includes('master'),
        failed: /fail/.test(flags!),
        slots: slots.filter((slot) => !slot.startsWith('[')).map((slot) => (slot.includes('-') ? (slot.split('-').map(Number) as [number, number]) : [Number(slot), Number(slot)])),
      };
    });
}

/** Waits until, as `viaPort` sees it, the cluster is `ok` and masters that are not failed serve every slot. */
async function healthy(viaPort: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const info = String(await withNode(viaPort, (node) => node.call('CLUSTER', 'INFO')));
      const layout = await clusterNodes(viaPort);
      const served = layout.filter((node) => node.master && !node.failed).reduce((sum, node) => sum + node.slots.reduce((n, [from, to]) => n + to - from + 1, 0), 0);
      if (/cluster_state:ok/.test(info) && served === 16384) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error('the cluster did not become healthy');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function withNode<T>(port: number, use: (node: Redis) => Promise<T>): Promise<T> {
  const node = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
  node.on('error', () => undefined);
  try {
    return await use(node);
  } finally {
    node.disconnect();
  }
}
