import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, base64url: returned once to the caller, never stored. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored and looked up instead of the token (events, Redis). */
export function sessionTokenHash(token: string): string {
  return sha256Hex(token);
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
