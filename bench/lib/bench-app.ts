import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../apps/api/src/create-app';
import { loadConfig } from '@accounts/config';
import { createTestDatabase, dropTemplate } from '../../test/support/postgres';
import { startPrivateRedis } from '../../test/support/private-redis';
import { median, type Figure } from './bench-kit';

/**
 * Runs `work` against the service in this process: a fresh database on the machine's PostgreSQL, a redis-server of
 * the bench's own, projections off (the benches measure the write path, not the projectors catching up). Everything
 * is torn down afterwards, whatever `work` did.
 */
export async function withBenchApp<T>(work: (app: NestFastifyApplication) => Promise<T>): Promise<T> {
  const database = await createTestDatabase('bench');
  const redis = await startPrivateRedis();
  const app = await createApp(loadConfig({ DATABASE_URL: database.url, REDIS_URL: redis.url, LOG_LEVEL: 'silent', RUN_PROJECTORS: 'false' }));
  try {
    return await work(app);
  } finally {
    await app.close();
    await redis.destroy();
    await database.drop();
    await dropTemplate();
  }
}

/** How long `work` took, in microseconds. */
export async function timedMicros(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e3;
}

/**
 * A figure from samples taken one after another: three runs of a third of them each, every run summarised by
 * `perRun` (its median in µs, or operations a second), and the median of the three; `peer` is the same run's floor.
 */
export function figureOfThirds(name: string, unit: string, samples: number[], perRun: (run: number[]) => number, peer?: Figure): Figure {
  const runs = [0, 1, 2].map((k) => perRun(samples.slice((k * samples.length) / 3, ((k + 1) * samples.length) / 3)));
  const value = median(runs);
  return { name, unit, runs, median: value, ...(peer ? { peer: { name: peer.name, median: peer.median, ratio: value / peer.median } } : {}) };
}
