import { Inject, Injectable } from '@nestjs/common';
import { type ObjectStorage, UploadChangedError } from '@accounts/object-storage';
import { ProblemError } from '../http/problem';
import { OBJECT_STORAGE } from '../infrastructure/tokens';
import { type UploadPurpose, UploadRecords } from './upload-records';
import { SIGNATURE_BYTES, startsAs } from './upload-rules';

const mismatch = () => new ProblemError('upload_mismatch', 'The stored object does not match the announced image type and size.');

/**
 * Checks an upload before its URL goes into an event: announced for this purpose and this subject, present in the
 * store, of the announced type and size, and beginning with that image type's signature; then publishes exactly the
 * checked bytes (the upload URL can change nothing afterwards). Returns the URL to record. Confirming again returns
 * the same URL and publishes nothing new, so a retried command still works while the upload URL stays dead.
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
    if (announced.confirmedAt) return this.storage.publicUrl(objectKey);
    const upload = await this.storage.inspectUpload(objectKey, SIGNATURE_BYTES);
    if (!upload) throw new ProblemError('upload_missing', 'Nothing was uploaded under this key (or the upload URL expired first).');
    const sentType = upload.contentType?.split(';')[0]?.trim().toLowerCase();
    if (upload.size !== announced.size || sentType !== announced.contentType || !startsAs(announced.contentType, upload.head)) throw mismatch();
    try {
      await this.storage.publish(objectKey, upload, announced.contentType);
    } catch (error) {
      if (error instanceof UploadChangedError) throw mismatch();
      throw error;
    }
    await this.records.markConfirmed(objectKey);
    return this.storage.publicUrl(objectKey);
  }
}
