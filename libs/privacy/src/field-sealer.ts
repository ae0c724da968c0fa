import type { KeyObject } from 'node:crypto';
import { decrypt, encrypt } from './aes-gcm';
import { type DataKeyStore, ERASED, type Erased } from './data-key-store';

/** A sealed field as it is stored in an event: `enc:v1:<base64url(iv | ciphertext | tag)>`. */
const PREFIX = 'enc:v1:';

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/** What an erased person's fields read as, in projections, audit history and exports. */
export const ERASED_VALUE = '[erased]';

/**
 * Seals and opens personal fields with their subject's data key. The subject id is the authenticated data, so a
 * sealed value copied into another person's event fails to open.
 */
export class FieldSealer {
  constructor(readonly keys: DataKeyStore) {}

  async seal(subjectId: string, plaintext: string): Promise<string> {
    const key = await this.keys.keyFor(subjectId);
    if (key === ERASED) throw new SubjectErasedError();
    return PREFIX + encrypt(key, Buffer.from(plaintext, 'utf8'), subjectId).toString('base64url');
  }

  sealWith(key: KeyObject, subjectId: string, plaintext: string): string {
    return PREFIX + encrypt(key, Buffer.from(plaintext, 'utf8'), subjectId).toString('base64url');
  }

  async open(subjectId: string, sealed: string): Promise<string | Erased> {
    const key = await this.keys.existingKey(subjectId);
    if (key === ERASED || key === undefined) return ERASED;
    return this.openWith(key, subjectId, sealed);
  }

  openWith(key: KeyObject, subjectId: string, sealed: string): string {
    return decrypt(key, Buffer.from(sealed.slice(PREFIX.length), 'base64url'), subjectId).toString('utf8');
  }
}

/** Nothing may be sealed for an erased subject: a command for them arrived after their erasure. */
export class SubjectErasedError extends Error {
  constructor() {
    super('the data subject has been erased');
    this.name = 'SubjectErasedError';
  }
}
