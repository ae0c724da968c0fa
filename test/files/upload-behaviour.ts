import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { createTestApp, type TestApp } from '../support/app';
import { dropTemplate } from '../support/postgres';

/** A small "image": what matters here is its signature, type and size, not pixels. */
const png = (size: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(size - 8)]);
const webp = (size: number) => Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBP'), randomBytes(size - 12)]);
const script = (size: number) => Buffer.from('<script>alert(document.cookie)</script>'.padEnd(size, ' '));
const EXPIRY_SECONDS = 2;

export interface Adapter {
  name: 'local' | 's3';
  env(): Record<string, string>;
  /** PUT bytes to a pre-signed URL, as a client would. */
  put(t: TestApp, url: string, body: Buffer, contentType: string): Promise<number>;
  /** GET a stored object through the URL the read model holds. */
  get(t: TestApp, url: string): Promise<{ status: number; body: Buffer; contentType: string | undefined; nosniff: boolean }>;
  /** Whether the store still holds the object. */
  holds(objectKey: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function localAdapter(): Promise<Adapter> {
  const directory = mkdtempSync(join(tmpdir(), 'uploads-'));
  const inject = (t: TestApp, method: 'PUT' | 'GET', url: string, body?: Buffer, contentType?: string) =>
    t.inject({ method, url: new URL(url).pathname + new URL(url).search, ...(body ? { payload: body, headers: { 'content-type': contentType! } } : {}) });
  return {
    name: 'local',
    env: () => ({ UPLOADS_DIR: directory, PUBLIC_BASE_URL: 'http://files.test' }),
    put: async (t, url, body, contentType) => (await inject(t, 'PUT', url, body, contentType)).statusCode,
    get: async (t, url) => {
      const response = await inject(t, 'GET', url);
      return { status: response.statusCode, body: response.rawPayload, contentType: response.headers['content-type'] as string | undefined, nosniff: response.headers['x-content-type-options'] === 'nosniff' };
    },
    holds: async (objectKey) => existsSync(join(directory, objectKey)),
    close: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

export async function s3rverAdapter(): Promise<Adapter> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'uploads' }] });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    name: 's3',
    env: () => ({ S3_ENDPOINT: endpoint, S3_BUCKET: 'uploads', S3_ACCESS_KEY: 'S3RVER', S3_SECRET_KEY: 'S3RVER' }),
    put: async (_t, url, body, contentType) => (await fetch(url, { method: 'PUT', body: new Uint8Array(body), headers: { 'content-type': contentType } })).status,
    get: async (_t, url) => {
      const response = await fetch(url);
      return { status: response.status, body: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type') ?? undefined, nosniff: response.headers.get('x-content-type-options') === 'nosniff' };
    },
    holds: async (objectKey) => (await fetch(`${endpoint}/uploads/${objectKey}`, { method: 'HEAD' })).status === 200,
    close: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * The upload behaviour every object store must show through HTTP (issue #6): run against the local directory and
 * s3rver by `npm test`, against a real MinIO by `npm run test:minio`.
 */
export function describeUploads(kind: 'local' | 's3', makeAdapter: () => Promise<Adapter>, redisDb: number): void {
describe(`uploads (${kind} object store)`, () => {
  jest.setTimeout(60_000);
  let adapter: Adapter;
  let t: TestApp;
  let owner: string;
  let organization: string;
  beforeAll(async () => {
    adapter = await makeAdapter();
    t = await createTestApp({ redisDb, env: { ...adapter.env(), UPLOAD_URL_SECONDS: String(EXPIRY_SECONDS) } });
    owner = await register();
    organization = (await t.request('POST', '/v1/organizations', { body: { name: 'Logo Co' }, headers: { 'x-actor-id': owner } })).body.id;
  });
  afterAll(async () => {
    await t.close();
    await adapter.close();
    await dropTemplate();
  });

  async function register(): Promise<string> {
    const response = await t.request('POST', '/v1/users', { body: { email: `uploader-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery' } });
    return response.body.id;
  }

  async function announce(purpose: 'user_avatar' | 'organization_logo', subjectId: string, contentType: string, size: number) {
    return t.request('POST', '/v1/uploads', { body: { purpose, subjectId, contentType, size } });
  }

  test('avatar: announce, upload to the pre-signed URL, confirm; the URL lands in the read model and serves the bytes', async () => {
    const bytes = png(2048);
    const announced = await announce('user_avatar', owner, 'image/png', bytes.length);
    expect(announced.status).toBe(201);
    expect(announced.body).toEqual({ uploadUrl: expect.any(String), method: 'PUT', headers: { 'content-type': 'image/png' }, objectKey: expect.stringMatching(/^avatar-[A-Za-z0-9_-]{22}$/), expiresAt: expect.any(String) });
    expect(announced.body.objectKey).not.toContain(owner);
    expect(await adapter.put(t, announced.body.uploadUrl, bytes, 'image/png')).toBe(200);

    const confirmed = await t.request('POST', `/v1/users/${owner}/avatar`, { body: { objectKey: announced.body.objectKey } });
    expect(confirmed.status).toBe(200);
    const user = await t.request('GET', `/v1/users/${owner}`, { headers: { 'x-consistent-with': String(confirmed.headers['x-event-position']) } });
    expect(user.body.avatarUrl).toBe(confirmed.body.avatarUrl);
    const served = await adapter.get(t, confirmed.body.avatarUrl);
    expect([served.status, served.contentType, served.body.equals(bytes)]).toEqual([200, 'image/png', true]);
    if (kind === 'local') expect(served.nosniff).toBe(true);
  });

  test('the upload URL is dead once confirmed: a second PUT changes nothing that is served (issue #11)', async () => {
    const bytes = png(1500);
    const announced = await announce('user_avatar', owner, 'image/png', bytes.length);
    expect(await adapter.put(t, announced.body.uploadUrl, bytes, 'image/png')).toBe(200);
    const confirmed = await t.request('POST', `/v1/users/${owner}/avatar`, { body: { objectKey: announced.body.objectKey } });
    expect(confirmed.status).toBe(200);

    // The same signed URL, same size and type, now carrying a script. The local store refuses it; a pre-signed S3 PUT
    // cannot be revoked, but what it writes is never served, and confirming the key again publishes nothing new.
    const replaced = await adapter.put(t, announced.body.uploadUrl, script(bytes.length), 'image/png');
    if (kind === 'local') expect(replaced).toBe(403);
    const again = await t.request('POST', `/v1/users/${owner}/avatar`, { body: { objectKey: announced.body.objectKey } });
    expect([again.status, again.body.avatarUrl]).toEqual([200, confirmed.body.avatarUrl]);
    const served = await adapter.get(t, confirmed.body.avatarUrl);
    expect([served.status, served.contentType, served.body.equals(bytes)]).toEqual([200, 'image/png', true]);
  });

  test('the confirmation checks the first bytes against the announced type: a script sent as image/png is refused', async () => {
    for (const [type, body] of [['image/png', script(800)], ['image/gif', png(800)], ['image/webp', Buffer.concat([Buffer.from('RIFF'), randomBytes(796)])]] as const) {
      const announced = await announce('user_avatar', owner, type, body.length);
      expect(await adapter.put(t, announced.body.uploadUrl, body, type)).toBe(200);
      const refused = await t.request('POST', `/v1/users/${owner}/avatar`, { body: { objectKey: announced.body.objectKey } });
      expect([refused.status, refused.body.code]).toEqual([422, 'upload_mismatch']);
    }
    const user = await t.request('GET', `/v1/users/${owner}`);
    expect(user.body.avatarUrl).not.toBeNull();
    expect((await adapter.get(t, user.body.avatarUrl)).body.subarray(0, 8).equals(png(8))).toBe(true);
  });

  test('logo: the same for an organization, by one of its admins', async () => {
    const bytes = webp(1000);
    const announced = await announce('organization_logo', organization, 'image/webp', bytes.length);
    expect(await adapter.put(t, announced.body.uploadUrl, bytes, 'image/webp')).toBe(200);
    const stranger = await register();
    const refused = await t.request('POST', `/v1/organizations/${organization}/logo`, { body: { objectKey: announced.body.objectKey }, headers: { 'x-actor-id': stranger } });
    expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);
    const confirmed = await t.request('POST', `/v1/organizations/${organization}/logo`, { body: { objectKey: announced.body.objectKey }, headers: { 'x-actor-id': owner } });
    expect(confirmed.status).toBe(200);
    const read = await t.request('GET', `/v1/organizations/${organization}`, { headers: { 'x-consistent-with': String(confirmed.headers['x-event-position']) } });
    expect(read.body.logoUrl).toBe(confirmed.body.logoUrl);
  });

  test('refusals: wrong type, too large, missing object, someone else\'s key, a different object, an expired URL', async () => {
    const wrongType = await announce('user_avatar', owner, 'image/svg+xml', 100);
    expect([wrongType.status, wrongType.body.code, wrongType.body.errors?.[0]?.field]).toEqual([422, 'upload_type_not_allowed', 'contentType']);
    expect((await announce('user_avatar', owner, 'text/html', 100)).body.code).toBe('upload_type_not_allowed');
    const tooLarge = await announce('user_avatar', owner, 'image/jpeg', 5 * 1024 * 1024 + 1);
    expect([tooLarge.status, tooLarge.body.code]).toEqual([422, 'upload_too_large']);

    const neverUploaded = await announce('user_avatar', owner, 'image/png', 500);
    const missing = await t.request('POST', `/v1/users/${owner}/avatar`, { body: { objectKey: neverUploaded.body.objectKey } });
    expect([missing.status, missing.body.code]).toEqual([422, 'upload_missing']);
    const unknownKey = await t.request('POST', `/v1/users/${owner}/avatar`, { body: { objectKey: `avatar-${randomBytes(16).toString('base64url')}` } });
    expect(unknownKey.body.code).toBe('upload_missing');

    const someoneElse = await register();
    const theirs = await announce('user_avatar', someoneElse, 'image/png', 300);
    await adapter.put(t, theirs.body.uploadUrl, png(300), 'image/png');
    const stolen = await t.request('POST', `/v1/users/${owner}/avatar`, { body: { objectKey: theirs.body.objectKey } });
    expect([stolen.status, stolen.body.code]).toEqual([422, 'upload_not_yours']);
    const logoAsAvatar = await announce('organization_logo', owner, 'image/png', 300);
    expect((await t.request('POST', `/v1/users/${owner}/avatar`, { body: { objectKey: logoAsAvatar.body.objectKey } })).body.code).toBe('upload_not_yours');

    // Bytes other than announced: the local store refuses them at the door, S3 stores them and the confirmation refuses.
    const announcedSize = await announce('user_avatar', owner, 'image/png', 400);
    const putStatus = await adapter.put(t, announcedSize.body.uploadUrl, png(200), 'image/png');
    const mismatched = await t.request('POST', `/v1/users/${owner}/avatar`, { body: { objectKey: announcedSize.body.objectKey } });
    if (kind === 'local') expect([putStatus, mismatched.body.code]).toEqual([422, 'upload_missing']);
    else expect([putStatus, mismatched.status, mismatched.body.code]).toEqual([200, 422, 'upload_mismatch']);

    const late = await announce('user_avatar', owner, 'image/png', 256);
    await new Promise((resolve) => setTimeout(resolve, (EXPIRY_SECONDS + 1.2) * 1000));
    expect(await adapter.put(t, late.body.uploadUrl, png(256), 'image/png')).toBe(403);
    expect((await t.request('POST', `/v1/users/${owner}/avatar`, { body: { objectKey: late.body.objectKey } })).body.code).toBe('upload_missing');

    const malformed = await t.request('POST', `/v1/users/${owner}/avatar`, { body: { objectKey: '../../etc/passwd' } });
    expect([malformed.status, malformed.body.code]).toEqual([422, 'validation_failed']);
  });

  test('erasure deletes every object the person uploaded', async () => {
    const person = await register();
    const keys: string[] = [];
    for (const size of [600, 700]) {
      const announced = await announce('user_avatar', person, 'image/png', size);
      await adapter.put(t, announced.body.uploadUrl, png(size), 'image/png');
      await t.request('POST', `/v1/users/${person}/avatar`, { body: { objectKey: announced.body.objectKey } });
      keys.push(announced.body.objectKey);
    }
    expect(await Promise.all(keys.map((key) => adapter.holds(key)))).toEqual([true, true]);
    expect((await t.request('DELETE', `/v1/users/${person}`)).status).toBe(202);
    expect(await Promise.all(keys.map((key) => adapter.holds(key)))).toEqual([false, false]);
    const rows = await t.database.pool.query('SELECT count(*)::int AS n FROM uploads WHERE subject_id = $1', [person]);
    expect(rows.rows[0].n).toBe(0);
    if (kind === 'local') expect(readdirSync(adapter.env().UPLOADS_DIR!).filter((file) => keys.some((key) => file.startsWith(key)))).toEqual([]);
  });
});
}

/**
 * A real S3-compatible store (MinIO) from S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY and S3_SECRET_KEY. The bucket is
 * created if missing and made publicly readable, as the service's object URLs assume (or a CDN in front of it).
 */
export async function realS3Adapter(): Promise<Adapter> {
  const { Client } = await import('minio');
  const endpoint = new URL(process.env.S3_ENDPOINT!);
  const bucket = process.env.S3_BUCKET!;
  const client = new Client({
    endPoint: endpoint.hostname,
    port: endpoint.port ? Number(endpoint.port) : undefined,
    useSSL: endpoint.protocol === 'https:',
    accessKey: process.env.S3_ACCESS_KEY!,
    secretKey: process.env.S3_SECRET_KEY!,
    pathStyle: true,
  });
  if (!(await client.bucketExists(bucket))) await client.makeBucket(bucket);
  await client.setBucketPolicy(
    bucket,
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] }] }),
  );
  return {
    name: 's3',
    env: () => ({ S3_ENDPOINT: process.env.S3_ENDPOINT!, S3_BUCKET: bucket, S3_ACCESS_KEY: process.env.S3_ACCESS_KEY!, S3_SECRET_KEY: process.env.S3_SECRET_KEY! }),
    put: async (_t, url, body, contentType) => (await fetch(url, { method: 'PUT', body: new Uint8Array(body), headers: { 'content-type': contentType } })).status,
    get: async (_t, url) => {
      const response = await fetch(url);
      return { status: response.status, body: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type') ?? undefined, nosniff: response.headers.get('x-content-type-options') === 'nosniff' };
    },
    holds: async (objectKey) =>
      client.statObject(bucket, objectKey).then(
        () => true,
        () => false,
      ),
    close: async () => undefined,
  };
}
