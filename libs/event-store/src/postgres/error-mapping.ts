import { types } from 'node:util';
import { EventStoreUnavailableError, InvalidAppendError, StreamDeletedError, WrongExpectedRevisionError } from '../errors';
import type { ExpectedRevision } from '../event-store.port';

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300']);

/** PostgreSQL errors that mean "the database could not be reached or went away": worth retrying. */
export function isConnectionError(error: unknown): boolean {
  // isNativeError, not instanceof: socket errors are made in Node's own realm, which is not a jest test's.
  if (!types.isNativeError(error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(error.message);
}

/** Maps what `es_append` raises, and connection failures, to the port's typed errors. */
export function mapAppendError(error: unknown, streamName: string, expected: ExpectedRevision): Error {
  const { message, detail } = error as { message?: string; detail?: string };
  if (message === 'wrong_expected_revision') {
    const actual = BigInt(detail ?? '-1');
    return new WrongExpectedRevisionError(streamName, expected, actual < 0n ? 'no_stream' : actual);
  }
  if (message === 'stream_deleted') return new StreamDeletedError(streamName);
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (message === 'event_id_conflict' || (code === '23505' && constraint === 'es_events_event_id_key')) {
    return new InvalidAppendError(`some but not all of the event ids are already in the store (stream ${streamName})`);
  }
  return mapReadError(error);
}

export function mapReadError(error: unknown): Error {
  if (isConnectionError(error)) return new EventStoreUnavailableError('PostgreSQL event store unavailable', { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}
