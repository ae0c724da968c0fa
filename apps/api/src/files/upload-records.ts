import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../infrastructure/tokens';
import type { ImageType } from './upload-rules';

export type UploadPurpose = 'user_avatar' | 'organization_logo';

export interface UploadRecord {
  objectKey: string;
  purpose: UploadPurpose;
  subjectId: string;
  contentType: ImageType;
  size: number;
  service: string;
  expiresAt: Date;
  /** When it was confirmed (and published); its upload URL is dead from then on. */
  confirmedAt?: Date | undefined;
}

/** The `uploads` table: announced uploads, so confirmations can be checked and erasure can find a person's objects. */
@Injectable()
export class UploadRecords {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async announce(record: UploadRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO uploads (object_key, purpose, subject_id, content_type, size, service, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [record.objectKey, record.purpose, record.subjectId, record.contentType, record.size, record.service, record.expiresAt],
    );
  }

  async find(objectKey: string): Promise<UploadRecord | undefined> {
    const { rows } = await this.pool.query<{ object_key: string; purpose: UploadPurpose; subject_id: string; content_type: ImageType; size: number; service: string; expires_at: Date; confirmed_at: Date | null }>(
      `SELECT object_key, purpose, subject_id, content_type, size, service, expires_at, confirmed_at FROM uploads WHERE object_key = $1`,
      [objectKey],
    );
    const row = rows[0];
    return (
      row && {
        objectKey: row.object_key,
        purpose: row.purpose,
        subjectId: row.subject_id,
        contentType: row.content_type,
        size: row.size,
        service: row.service,
        expiresAt: row.expires_at,
        confirmedAt: row.confirmed_at ?? undefined,
      }
    );
  }

  async markConfirmed(objectKey: string): Promise<void> {
    await this.pool.query(`UPDATE uploads SET confirmed_at = coalesce(confirmed_at, now()) WHERE object_key = $1`, [objectKey]);
  }

  async keysOf(subjectId: string, purpose: UploadPurpose): Promise<string[]> {
    const { rows } = await this.pool.query<{ object_key: string }>(`SELECT object_key FROM uploads WHERE subject_id = $1 AND purpose = $2`, [subjectId, purpose]);
    return rows.map((row) => row.object_key);
  }

  async forget(objectKeys: string[]): Promise<void> {
    await this.pool.query(`DELETE FROM uploads WHERE object_key = ANY ($1::text[])`, [objectKeys]);
  }
}
