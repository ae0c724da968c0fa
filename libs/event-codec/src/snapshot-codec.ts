import { ERASED, type FieldSealer } from '@accounts/privacy';

/**
 * Aggregate state on its way in or out of a snapshot: the whole state, as JSON, sealed with the data key of the person
 * (or organization) it is about. State holds what the events held (emails, password hashes, payment references), so
 * it gets the events' protection: erasing the person destroys the key, and the snapshot reads as nothing.
 */
export class SnapshotCodec {
  constructor(private readonly sealer: FieldSealer) {}

  /** Throws `SubjectErasedError` when the subject is erased: nothing of theirs may be written any more. */
  seal(subjectId: string, state: unknown): Promise<string> {
    return this.sealer.seal(subjectId, JSON.stringify(state));
  }

  /** The state, or undefined when the subject's key is gone (erased): the caller then folds the stream instead. */
  async open(subjectId: string, sealed: string): Promise<unknown> {
    const plaintext = await this.sealer.open(subjectId, sealed);
    return plaintext === ERASED ? undefined : (JSON.parse(plaintext) as unknown);
  }
}
