/** A pre-signed upload: the client PUTs the bytes to `url` with `headers` before `expiresAt`. */
export interface PresignedUpload {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: Date;
}

/** What the store says about an object. */
export interface StoredObject {
  size: number;
  contentType: string | undefined;
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
 */
export interface ObjectStorage {
  readonly kind: 's3' | 'local';
  presignPut(key: string, announcement: UploadAnnouncement): Promise<PresignedUpload>;
  /** undefined when there is no such object. */
  stat(key: string): Promise<StoredObject | undefined>;
  /** Idempotent: deleting a missing object is fine. */
  delete(key: string): Promise<void>;
  /** The URL the read model stores and clients load the file from. */
  publicUrl(key: string): string;
}

/** Object keys are `<prefix>-<22 characters of base64url>`: 128 random bits, nothing about the person. */
export const OBJECT_KEY_PATTERN = /^(avatar|logo)-[A-Za-z0-9_-]{22}$/;
