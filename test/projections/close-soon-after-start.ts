import { createTestApp } from '../support/app';
import { dropTemplate } from '../support/postgres';
import { startPrivateRedis } from '../support/private-redis';

/**
 * Run by shutdown-exits.spec.ts in a process of its own: the service with its projectors, closed before they have
 * caught up (as a test, or a SIGTERM soon after a start, does). It never calls process.exit: it must end by itself.
 */
async function main() {
  const redis = await startPrivateRedis();
  const t = await createTestApp({ redisDb: 0, redisUrl: redis.url });
  await t.request('GET', '/health/live');
  await t.close();
  await redis.destroy();
  await dropTemplate();
  process.stdout.write('closed\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.name : 'error'}\n`);
  process.exitCode = 1;
});
