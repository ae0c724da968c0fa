import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { formatPosition, parsePosition, type Position } from '@accounts/event-store';
import { ProblemError } from '../http/problem';

const VERSION = 'c1';
const START = 'start';
const MAC_BYTES = 16;
const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,120}\.[A-Za-z0-9_-]{22}$/;

/**
 * The feed's cursor: a position in $all (or the start), opaque to callers and signed (HMAC with a key derived from
 * the master key), so a forged or edited cursor is a 422 instead of a read from a position this service never
 * handed out (which EventStoreDB may not even have). A cursor stays valid across restarts and both event stores'
 * processes as long as the master key does; one from another store's positions would be refused by its signature.
 */
export class FeedCursors {
  constructor(private readonly key: KeyObject) {}

  encode(position: Position | undefined): string {
    const body = Buffer.from(`${VERSION}:${position ? formatPosition(position) : START}`).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The position after which to read (undefined: from the start); a 422 for anything `encode` did not write. */
  decode(cursor: string): Position | undefined {
    const [body, mac] = cursor.split('.') as [string, string];
    if (CURSOR_PATTERN.test(cursor) && timingSafeEqual(Buffer.from(mac), Buffer.from(this.mac(body)))) {
      const text = Buffer.from(body, 'base64url').toString('utf8');
      if (text === `${VERSION}:${START}`) return undefined;
      const position = text.startsWith(`${VERSION}:`) ? parsePosition(text.slice(VERSION.length + 1)) : undefined;
      if (position) return position;
    }
    throw new ProblemError('validation_failed', 'The cursor is not one this service returned.', [{ field: 'after', message: 'invalid cursor' }]);
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, MAC_BYTES).toString('base64url');
  }
}
