import { Client } from 'minio';
import type { ObjectStorage, PresignedUpload, StoredObject, UploadAnnouncement } from './object-storage.port';

export interface S3Config {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  /** Region for signing (MinIO accepts any; S3 wants the bucket's). */
  region?: string;
}

/**
 * Objects in an S3-compatible store through the `minio` client. The upload URL is a pre-signed PUT (SigV4, expiring);
 * the confirmation reads the object's size and type back (HEAD), because a pre-signed PUT cannot bind them.
 */
export class S3ObjectStorage implements ObjectStorage {
  readonly kind = 's3';
  private readonly client: Client;
  private readonly endpoint: URL;

  constructor(private readonly config: S3Config) {
    this.endpoint = new URL(config.endpoint);
    this.client = new Client({
      endPoint: this.endpoint.hostname,
      port: this.endpoint.port ? Number(this.endpoint.port) : undefined,
      useSSL: this.endpoint.protocol === 'https:',
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      region: config.region ?? 'us-east-1',
      pathStyle: true,
    });
  }

  /** Creates the bucket if it is missing (development and tests; production provisions it). */
  async ensureBucket(): Promise<void> {
    if (!(await this.client.bucketExists(this.config.bucket))) await this.client.makeBucket(this.config.bucket, this.config.region ?? 'us-east-1');
  }

  async presignPut(key: string, announcement: UploadAnnouncement): Promise<PresignedUpload> {
    const url = await this.client.presignedPutObject(this.config.bucket, key, announcement.expiresInSeconds);
    return { url, method: 'PUT', headers: { 'content-type': announcement.contentType }, expiresAt: new Date(Date.now() + announcement.expiresInSeconds * 1000) };
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    try {
      const stat = await this.client.statObject(this.config.bucket, key);
      const metadata = stat.metaData as Record<string, string | undefined>;
      return { size: stat.size, contentType: metadata['content-type'] ?? metadata['Content-Type'] };
    } catch (error) {
      if ((error as { code?: string }).code === 'NotFound' || (error as { code?: string }).code === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.removeObject(this.config.bucket, key);
  }

  publicUrl(key: string): string {
    return new URL(`${this.endpoint.pathname.replace(/\/$/, '')}/${this.config.bucket}/${key}`, this.endpoint).toString();
  }
}
