import { writeFileSync } from 'node:fs';
import { createTestApp } from '../support/app';
import { startPrivateRedis } from '../support/private-redis';
import { DOCUMENT_FILE, renderClientFiles, TYPES_FILE } from './client-files';

/**
 * `npm run openapi:generate`: boots the service as the tests do (a fresh database on the local PostgreSQL, a
 * redis-server of its own), reads `/openapi.json` and writes the document and the typed client's types.
 */
async function main() {
  const redis = await startPrivateRedis();
  const t = await createTestApp({ redisDb: 0, redisUrl: redis.url });
  try {
    const document = (await t.request('GET', '/openapi.json')).body;
    const files = await renderClientFiles(document);
    writeFileSync(DOCUMENT_FILE, files.document);
    writeFileSync(TYPES_FILE, files.types);
  } finally {
    await t.close();
    await redis.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
