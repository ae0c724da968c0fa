import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OBJECT_KEY_PATTERN, type ObjectStorage, type PresignedUpload, type StoredObject, type UploadAnnouncement } from './object-storage.port';

export interface LocalStorageConfig {
  directory: string;
  /** Where the service is reachable, for the URLs it hands out (`http://localhost:3000`). */
  baseUrl: string;
  /** HMAC key for the signed URLs. */
  signingKey: KeyObject;
  now?: () => number;
}

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
    await mkdir(this.config.directory, { recursive: true });
    await writeFile(this.path(key), body);
    await writeFile(`${this.path(key)}.json`, JSON.stringify({ contentType: type, size: body.length }));
  }

  /** The object for a signed read URL, or undefined (unknown key, bad signature). */
  async read(key: string, signature: string | undefined): Promise<{ body: Buffer; contentType: string } | undefined> {
    if (!OBJECT_KEY_PATTERN.test(key) || !signature || !this.verify(signature, this.sign('GET', key, new URLSearchParams()))) return undefined;
    const stored = await this.stat(key);
    if (!stored) return undefined;
    return { body: await readFile(this.path(key)), contentType: stored.contentType ?? 'application/octet-stream' };
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    if (!OBJECT_KEY_PATTERN.test(key)) return undefined;
    try {
      const meta = JSON.parse(await readFile(`${this.path(key)}.json`, 'utf8')) as { contentType: string };
      return { size: (await stat(this.path(key))).size, contentType: meta.contentType };
    } catch {
      return undefined;
    }
  }

  async delete(key: string): Promise<void> {
    if (!OBJECT_KEY_PATTERN.test(key)) return;
    await rm(this.path(key), { force: true });
    await rm(`${this.path(key)}.json`, { force: true });
  }

  publicUrl(key: string): string {
    return `${this.config.baseUrl}/files/${key}?signature=${this.sign('GET', key, new URLSearchParams())}`;
  }

  private path(key: string): string {
    return join(this.config.directory, key); // the key pattern admits no path separators
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
