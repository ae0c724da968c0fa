import { Client, CopyDestinationOptions, CopySourceOptions } from 'minio';
import { type ObjectStorage, type PresignedUpload, type UploadAnnouncement, UploadChangedError, type UploadedObject } from './object-storage.port';

/** Where uploads wait until they are confirmed: a prefix the service never hands out a URL for. */
const STAGING = 'incoming/';

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
    const url = await this.client.presignedPutObject(this.config.bucket, STAGING + key, announcement.expiresInSeconds);
    return { url, method: 'PUT', headers: { 'content-type': announcement.contentType }, expiresAt: new Date(Date.now() + announcement.expiresInSeconds * 1000) };
  }

  async inspectUpload(key: string, headBytes: number): Promise<UploadedObject | undefined> {
    try {
      const stat = await this.client.statObject(this.config.bucket, STAGING + key);
      const metadata = stat.metaData as Record<string, string | undefined>;
      const head = stat.size === 0 ? Buffer.alloc(0) : await readAll(await this.client.getPartialObject(this.config.bucket, STAGING + key, 0, Math.min(headBytes, stat.size)));
      return { size: stat.size, contentType: metadata['content-type'] ?? metadata['Content-Type'], head, version: stat.etag };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async publish(key: string, upload: UploadedObject, contentType: string): Promise<void> {
    // Copied only if it is still the version that was inspected (If-Match), with the type fixed by us, not the sender.
    try {
      await this.client.copyObject(
        new CopySourceOptions({ Bucket: this.config.bucket, Object: STAGING + key, MatchETag: upload.version }),
        new CopyDestinationOptions({ Bucket: this.config.bucket, Object: key, MetadataDirective: 'REPLACE', Headers: { 'Content-Type': contentType } }),
      );
    } catch (error) {
      if (isMissing(error) || (error as { code?: string }).code === 'PreconditionFailed') throw new UploadChangedError();
      throw error;
    }
    await this.client.removeObject(this.config.bucket, STAGING + key);
  }

  async delete(key: string): Promise<void> {
    await this.client.removeObject(this.config.bucket, key);
    await this.client.removeObject(this.config.bucket, STAGING + key);
  }

  publicUrl(key: string): string {
    return new URL(`${this.endpoint.pathname.replace(/\/$/, '')}/${this.config.bucket}/${key}`, this.endpoint).toString();
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'NotFound' || code === 'NoSuchKey';
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}
