import { createTestApp, type TestApp } from '../support/app';
import { committedClientFiles, renderClientFiles } from './client-files';

/**
 * The committed document (which Redocly lints in `npm test`) and the typed client's types are what the running
 * service describes now: a route or schema changed without `npm run openapi:generate` fails here.
 */
describe('the committed OpenAPI document and client types', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redisDb: 3 });
  });
  afterAll(async () => t?.close());

  test('match /openapi.json of the running service (else: npm run openapi:generate)', async () => {
    const rendered = await renderClientFiles((await t.request('GET', '/openapi.json')).body);
    const committed = committedClientFiles();
    expect(committed.document).toBe(rendered.document);
    expect(committed.types).toBe(rendered.types);
  });
});
