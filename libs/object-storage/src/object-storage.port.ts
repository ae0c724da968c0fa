/** A pre-signed upload: the client PUTs the bytes to `url` with `headers` before `expiresAt`. */
export interface PresignedUpload {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: Date;
}

/** What was sent to an upload URL and is not served yet: its size, the type it was sent with, its first bytes. */
export interface UploadedObject {
  size: number;
  contentType: string | undefined;
  head: Buffer;
  /** Which bytes these are (an ETag, a digest): `publish` serves exactly them or nothing. */
  version: string;
}

/** The upload changed between `inspectUpload` and `publish` (sent again to its URL): nothing was published. */
export class UploadChangedError extends Error {
  constructor() {
    super('The upload changed while it was being confirmed.');
    this.name = 'UploadChangedError';
  }
}

export interface UploadAnnouncement {
  contentType: string;
  /** Bytes announced; the confirmation checks the stored object against it. */
  size: number;
  expiresInSeconds: number;
}

/**
 * Where uploaded files live: an S3-compatible store (MinIO, S3) or a local directory served by the service. Keys are
 * chosen by the caller (random, no personal data); objects are referenced by the URL `publicUrl` gives.
 *
 * An upload URL writes to a staging place that is never served; `publish` copies the checked bytes to where
 * `publicUrl` points. So the URL is dead once the upload is confirmed: a pre-signed S3 PUT cannot be revoked, but
 * what it writes afterwards is never served nor published again.
 */
export interface ObjectStorage {
  readonly kind: 's3' | 'local';
  presignPut(key: string, announcement: UploadAnnouncement): Promise<PresignedUpload>;
  /** What the upload URL received, with its first `headBytes` bytes; undefined when nothing was uploaded. */
  inspectUpload(key: string, headBytes: number): Promise<UploadedObject | undefined>;
  /** Serves the inspected bytes under `publicUrl(key)` as `contentType`; UploadChangedError if they were replaced. */
  publish(key: string, upload: UploadedObject, contentType: string): Promise<void>;
  /** The served object and any staged upload. Idempotent: deleting a missing object is fine. */
  delete(key: string): Promise<void>;
  /** The URL the read model stores and clients load the file from. */
  publicUrl(key: string): string;
}

/** Object keys are `<prefix>-<22 characters of base64url>`: 128 random bits, nothing about the person. */
export const OBJECT_KEY_PATTERN = /^(avatar|logo)-[A-Za-z0-9_-]{22}$/;
