import { resolve } from 'node:path';
import { LocalObjectStorage, type ObjectStorage, S3ObjectStorage } from '@accounts/object-storage';
import { deriveKey, type MasterKey } from '@accounts/privacy';
import type { AppConfig } from '@accounts/config';

/** S3 (MinIO) when S3_* is configured; otherwise a local directory served by the service through signed URLs. */
export function createObjectStorage(config: AppConfig, masterKey: MasterKey): ObjectStorage {
  if (config.s3) return new S3ObjectStorage(config.s3);
  return new LocalObjectStorage({ directory: resolve(config.uploadsDir), baseUrl: config.publicBaseUrl, signingKey: deriveKey(masterKey, 'local-object-urls') });
}
