import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freeTcpPort } from './free-port';

/**
 * A redis-server of the test's own, on a free loopback port, without persistence: a test may kill it (everything in
 * memory is gone, as after a crash) and start it again empty, without touching anyone else's data.
 */
export interface PrivateRedis {
  port: number;
  url: string;
  /** kill -9, and wait until it is gone. */
  kill(): Promise<void>;
  /** Starts it again (empty) on the same port, and waits until it answers. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startPrivateRedis(extraArgs: string[] = []): Promise<PrivateRedis> {
  const port = await freeTcpPort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: 'ignore' });
    await waitUntilAnswering(port);
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return { port, url: `redis://127.0.0.1:${port}/0`, kill, start, destroy: kill };
}

/** Waits (up to 5 s) until a redis-server answers PING on `port`. */
export async function waitUntilAnswering(port: number): Promise<void> {
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        probe.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error(`redis-server on port ${port} did not start`);
  } finally {
    probe.disconnect();
  }
}
