import { z } from 'zod';
import { ProblemError } from './problem';

/**
 * The cursor of a list read newest first by a bigserial id (webhook deliveries, the operator trail): the last item's
 * id, base64url so callers treat it as opaque. Anything but what `encodeRowIdCursor` wrote is a 422 before SQL.
 */
export const RowIdCursor = z.string().max(40).optional();

export function encodeRowIdCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

export function decodeRowIdCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!/^[1-9]\d{0,17}$/.test(decoded)) throw new ProblemError('validation_failed', 'The cursor is not one this service returned.', [{ field: 'cursor', message: 'invalid cursor' }]);
  return decoded;
}
