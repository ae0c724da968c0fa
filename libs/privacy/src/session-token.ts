import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
