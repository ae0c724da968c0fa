import { createHmac, hkdfSync } from 'node:crypto';
import type { MasterKey } from './master-key';

/**
 * Keyed hashes for looking things up without storing them: the email reservation stream is `email-<hash>`, so no
 * address ever becomes a stream name. HMAC-SHA256 under a key derived from the master key (HKDF), so the hash cannot
 * be recomputed — and addresses guessed — without the key.
 */
export class LookupHasher {
  private readonly key: Buffer;

  constructor(master: MasterKey, purpose = 'email-lookup') {
    this.key = Buffer.from(hkdfSync('sha256', master.key, Buffer.alloc(0), purpose, 32));
  }

  hash(normalisedValue: string): string {
    return createHmac('sha256', this.key).update(normalisedValue, 'utf8').digest('hex');
  }
}

/** A key for another purpose derived from the master key (e.g. request fingerprints, signed URLs). */
export function deriveKey(master: MasterKey, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master.key, Buffer.alloc(0), purpose, 32));
}
