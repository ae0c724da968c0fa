import {
  DeadlineExceededError,
  StreamDeletedError as EsdbStreamDeletedError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { EventStoreUnavailableError, StreamDeletedError, WrongExpectedRevisionError } from '../errors';
import type { ExpectedRevision } from '../event-store.port';

/** Maps the client's errors to the port's typed errors; anything unknown passes through unchanged. */
export function mapEsdbError(error: unknown, streamName: string, expected: ExpectedRevision = 'any'): Error {
  if (error instanceof WrongExpectedVersionError) {
    const actual = error.actualVersion;
    // The server reports a missing stream as no revision or as -1, depending on the call.
    return new WrongExpectedRevisionError(streamName, expected, typeof actual === 'bigint' && actual >= 0n ? actual : 'no_stream');
  }
  if (error instanceof EsdbStreamDeletedError) return new StreamDeletedError(streamName);
  if (isConnectionError(error)) return new EventStoreUnavailableError(`EventStoreDB unavailable: ${describe(error)}`, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Whether the failure is the connection's rather than the request's, so that trying again can help. The client
 * wraps most of these in UnavailableError / DeadlineExceededError, but a call cut off by a server going away can
 * surface as a raw gRPC status (14 UNAVAILABLE, 4 DEADLINE_EXCEEDED, 1 CANCELLED, 13 INTERNAL with a reset stream).
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof EventStoreUnavailableError) return true;
  if (error instanceof UnavailableError || error instanceof DeadlineExceededError) return true;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 14 || code === 4 || code === 1) return true;
  return error instanceof Error && /UNAVAILABLE|ECONNREFUSED|ECONNRESET|EPIPE|No connection established|RST_STREAM|Connection dropped/i.test(error.message);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
