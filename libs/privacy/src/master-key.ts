import { createHash } from 'node:crypto';

export interface MasterKey {
  key: Buffer;
  /** Short fingerprint stored beside wrapped keys (which master key wrapped them); reveals nothing of the key. */
  id: string;
  /** True when the development key is in use: the app must warn loudly. */
  development: boolean;
}

/** Known to everyone who reads this file: outside production only, so laptops and tests need no setup. */
const DEVELOPMENT_MASTER_KEY = Buffer.from('accounts-service-development-key-not-for-production!'.slice(0, 32), 'utf8');

export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

/**
 * `MASTER_KEY`: base64 of 32 random bytes. Required in production; elsewhere a fixed development key stands in.
 * Errors name the variable, never its value.
 */
export function loadMasterKey(env: NodeJS.ProcessEnv = process.env): MasterKey {
  const raw = env.MASTER_KEY;
  if (!raw) {
    if (env.NODE_ENV === 'production') throw new MasterKeyError('MASTER_KEY is required in production (base64 of 32 random bytes)');
    return withId(DEVELOPMENT_MASTER_KEY, true);
  }
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== raw.trim().replace(/=+$/, '')) {
    throw new MasterKeyError('MASTER_KEY must be the base64 encoding of exactly 32 bytes');
  }
  return withId(key, false);
}

export function masterKeyFrom(key: Buffer): MasterKey {
  if (key.length !== 32) throw new MasterKeyError('a master key is 32 bytes');
  return withId(key, false);
}

function withId(key: Buffer, development: boolean): MasterKey {
  return { key, id: createHash('sha256').update('master-key-id').update(key).digest('hex').slice(0, 16), development };
}
