import { Inject, Injectable } from '@nestjs/common';
import type { ObjectStorage } from '../../../../libs/object-storage/src';
import { ProblemError } from '../http/problem';
import { OBJECT_STORAGE } from '../infrastructure/tokens';
import { type UploadPurpose, UploadRecords } from './upload-records';

/**
 * Checks an upload before its URL goes into an event: announced for this purpose and this subject, present in the
 * store, and of the announced type and size. Returns the URL to record.
 */
@Injectable()
export class ConfirmUpload {
  constructor(
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly records: UploadRecords,
  ) {}

  async confirm(objectKey: string, purpose: UploadPurpose, subjectId: string): Promise<string> {
    const announced = await this.records.find(objectKey);
    if (!announced) throw new ProblemError('upload_missing', 'No upload was announced under this key.');
    if (announced.purpose !== purpose || announced.subjectId !== subjectId) {
      throw new ProblemError('upload_not_yours', 'This upload was announced for another purpose or subject.');
    }
    const stored = await this.storage.stat(objectKey);
    if (!stored) throw new ProblemError('upload_missing', 'Nothing was uploaded under this key (or the upload URL expired first).');
    if (stored.size !== announced.size || stored.contentType?.split(';')[0]?.trim().toLowerCase() !== announced.contentType) {
      throw new ProblemError('upload_mismatch', 'The stored object does not match the announced type and size.');
    }
    await this.records.markConfirmed(objectKey);
    return this.storage.publicUrl(objectKey);
  }
}
