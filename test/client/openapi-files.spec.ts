import { createTestApp, type TestApp } from '../support/app';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis';
import { committedClientFiles, renderClientFiles } from './client-files';

/**
 * The committed document (which Redocly lints in `npm test`) and the typed client's types are what the running
 * service describes now: a route or schema changed without `npm run openapi:generate` fails here.
 */
describe('the committed OpenAPI document and client types', () => {
  let t: TestApp;
  let redis: PrivateRedis;
  beforeAll(async () => {
    // A Redis of its own: every numbered database of the shared one belongs to another suite.
    redis = await startPrivateRedis();
    t = await createTestApp({ redisDb: 0, redisUrl: redis.url });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.destroy();
  });

  test('match /openapi.json of the running service (else: npm run openapi:generate)', async () => {
    const rendered = await renderClientFiles((await t.request('GET', '/openapi.json')).body);
    const committed = committedClientFiles();
    expect(committed.document).toBe(rendered.document);
    expect(committed.types).toBe(rendered.types);
  });
});
