import { createHash, createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OBJECT_KEY_PATTERN, type ObjectStorage, type PresignedUpload, type UploadAnnouncement, UploadChangedError, type UploadedObject } from './object-storage.port';

export interface LocalStorageConfig {
  directory: string;
  /** Where the service is reachable, for the URLs it hands out (`http://localhost:3000`). */
  baseUrl: string;
  /** HMAC key for the signed URLs. */
  signingKey: KeyObject;
  now?: () => number;
}

/** Where uploads wait until they are confirmed; never served. */
const STAGING = 'incoming';

const digest = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/** Why a signed upload was refused. */
export class SignedUploadError extends Error {
  constructor(readonly code: 'upload_url_expired' | 'upload_url_invalid' | 'upload_mismatch') {
    super(code === 'upload_url_expired' ? 'The upload URL has expired.' : code === 'upload_mismatch' ? 'The upload does not match what was announced.' : 'The upload URL is not valid.');
    this.name = 'SignedUploadError';
  }
}

/**
 * Objects in a local directory (the default, when no S3 store is configured), served by the service itself. Upload
 * URLs are signed (HMAC over key, type, size and expiry), so only what was announced can be stored, and only in time;
 * read URLs are signed over the key, so nobody can read an object without being given its URL.
 */
export class LocalObjectStorage implements ObjectStorage {
  readonly kind = 'local';

  constructor(private readonly config: LocalStorageConfig) {}

  async presignPut(key: string, announcement: UploadAnnouncement): Promise<PresignedUpload> {
    const expires = Math.floor(this.now() / 1000) + announcement.expiresInSeconds;
    const query = new URLSearchParams({ expires: String(expires), size: String(announcement.size), type: announcement.contentType });
    query.set('signature', this.sign('PUT', key, query));
    return {
      url: `${this.config.baseUrl}/files/uploads/${key}?${query.toString()}`,
      method: 'PUT',
      headers: { 'content-type': announcement.contentType },
      expiresAt: new Date(expires * 1000),
    };
  }

  /** Stores an upload sent to a signed URL, after checking the signature, the expiry, the type and the size. */
  async receive(key: string, query: Record<string, string | undefined>, contentType: string | undefined, body: Buffer): Promise<void> {
    if (!OBJECT_KEY_PATTERN.test(key)) throw new SignedUploadError('upload_url_invalid');
    const { expires, size, type, signature } = query;
    if (!expires || !size || !type || !signature) throw new SignedUploadError('upload_url_invalid');
    if (!this.verify(signature, this.sign('PUT', key, new URLSearchParams({ expires, size, type })))) throw new SignedUploadError('upload_url_invalid');
    if (Number(expires) * 1000 < this.now()) throw new SignedUploadError('upload_url_expired');
    if (contentType?.split(';')[0]?.trim().toLowerCase() !== type || body.length !== Number(size)) throw new SignedUploadError('upload_mismatch');
    // Dead once confirmed: what is served can no longer be replaced through the URL that uploaded it.
    if (await this.served(key)) throw new SignedUploadError('upload_url_invalid');
    await mkdir(join(this.config.directory, STAGING), { recursive: true });
    await writeFile(this.stagedPath(key), body);
    await writeFile(`${this.stagedPath(key)}.json`, JSON.stringify({ contentType: type }));
  }

  async inspectUpload(key: string, headBytes: number): Promise<UploadedObject | undefined> {
    const staged = await this.readStaged(key);
    return staged && { size: staged.body.length, contentType: staged.contentType, head: staged.body.subarray(0, headBytes), version: digest(staged.body) };
  }

  async publish(key: string, upload: UploadedObject, contentType: string): Promise<void> {
    const staged = await this.readStaged(key);
    if (!staged || digest(staged.body) !== upload.version) throw new UploadChangedError();
    await writeFile(this.path(key), staged.body);
    await writeFile(`${this.path(key)}.json`, JSON.stringify({ contentType }));
    await rm(this.stagedPath(key), { force: true });
    await rm(`${this.stagedPath(key)}.json`, { force: true });
  }

  /** The object for a signed read URL, or undefined (unknown key, bad signature). */
  async read(key: string, signature: string | undefined): Promise<{ body: Buffer; contentType: string } | undefined> {
    if (!OBJECT_KEY_PATTERN.test(key) || !signature || !this.verify(signature, this.sign('GET', key, new URLSearchParams()))) return undefined;
    return this.readFile(this.path(key));
  }

  async delete(key: string): Promise<void> {
    if (!OBJECT_KEY_PATTERN.test(key)) return;
    for (const path of [this.path(key), this.stagedPath(key)]) {
      await rm(path, { force: true });
      await rm(`${path}.json`, { force: true });
    }
  }

  private async served(key: string): Promise<boolean> {
    return stat(this.path(key)).then(
      () => true,
      () => false,
    );
  }

  private async readStaged(key: string): Promise<{ body: Buffer; contentType: string } | undefined> {
    return OBJECT_KEY_PATTERN.test(key) ? this.readFile(this.stagedPath(key)) : undefined;
  }

  private async readFile(path: string): Promise<{ body: Buffer; contentType: string } | undefined> {
    try {
      const meta = JSON.parse(await readFile(`${path}.json`, 'utf8')) as { contentType: string };
      return { body: await readFile(path), contentType: meta.contentType };
    } catch {
      return undefined;
    }
  }

  publicUrl(key: string): string {
    return `${this.config.baseUrl}/files/${key}?signature=${this.sign('GET', key, new URLSearchParams())}`;
  }

  private path(key: string): string {
    return join(this.config.directory, key); // the key pattern admits no path separators
  }

  private stagedPath(key: string): string {
    return join(this.config.directory, STAGING, key);
  }

  private sign(method: string, key: string, query: URLSearchParams): string {
    const fields = [...query.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => `${name}=${value}`);
    return createHmac('sha256', this.config.signingKey).update([method, key, ...fields].join('\n')).digest('base64url');
  }

  private verify(given: string, expected: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private now(): number {
    return this.config.now?.() ?? Date.now();
  }
}
