import { createHash } from 'node:crypto';

/**
 * Ids derived from a command's idempotency key, so that running the same command again (after a crash between
 * append and response) produces the same aggregate id and the same event ids: the event store then recognises the
 * repeat and appends nothing. Formatted as UUID v8 (custom), so they are valid UUIDs but never mistaken for v4/v7.
 */
export function derivedUuid(...parts: string[]): string {
  const bytes = createHash('sha256').update(parts.join('\u0000')).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
