import {
  DeadlineExceededError,
  StreamDeletedError as EsdbStreamDeletedError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { EventStoreUnavailableError, StreamDeletedError, WrongExpectedRevisionError } from '../errors';
import type { ExpectedRevision } from '../event-store.port';

/** Maps the client's errors to the port's typed errors. */
export function mapEsdbError(error: unknown, streamName: string, expected: ExpectedRevision = 'any'): Error {
  if (error instanceof WrongExpectedVersionError) {
    const actual = error.actualVersion;
    return new WrongExpectedRevisionError(streamName, expected, typeof actual === 'bigint' && actual >= 0n ? actual : 'no_stream');
  }
  if (error instanceof EsdbStreamDeletedError) return new StreamDeletedError(streamName);
  if (isConnectionError(error)) return new EventStoreUnavailableError('EventStoreDB unavailable', { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

export function isConnectionError(error: unknown): boolean {
  if (error instanceof UnavailableError || error instanceof DeadlineExceededError) return true;
  const code = (error as { code?: unknown } | undefined)?.code;
  // 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED, 1 CANCELLED (what a client sees when the server goes away mid-call).
  return code === 14 || code === 4 || code === 1 || (error instanceof Error && /UNAVAILABLE|ECONNREFUSED|ECONNRESET|No connection established/i.test(error.message));
}
