import {
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError as EsdbStreamDeletedError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { AppendTooLargeError, EventStoreUnavailableError, StreamDeletedError, WrongExpectedRevisionError } from '../errors';
import type { ExpectedRevision } from '../event-store.port';

/** Maps the client's errors to the port's typed errors; anything unknown passes through unchanged. */
export function mapEsdbError(error: unknown, streamName: string, expected: ExpectedRevision = 'any'): Error {
  if (error instanceof WrongExpectedVersionError) {
    const actual = error.actualVersion;
    // The server reports a missing stream as no revision or as -1, depending on the call.
    return new WrongExpectedRevisionError(streamName, expected, typeof actual === 'bigint' && actual >= 0n ? actual : 'no_stream');
  }
  if (error instanceof EsdbStreamDeletedError) return new StreamDeletedError(streamName);
  if (error instanceof MaxAppendSizeExceededError) return new AppendTooLargeError(streamName, Number.isFinite(error.maxAppendSize) ? error.maxAppendSize : undefined);
  if (isConnectionError(error)) return new EventStoreUnavailableError(`EventStoreDB unavailable: ${reasonOf(error)}`, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Whether trying again can help: the failure is the connection's or the node's state, not the request's. The
 * client wraps most of these (UnavailableError, DeadlineExceededError, NotLeaderError, TimeoutError for a call the
 * server ended ABORTED: a write timeout or a subscriber too slow); BatchAppend's "Server Is Not Ready" and "Server
 * Is Busy" come as an UnknownError that names them; a call cut off by a server going away can surface as a raw gRPC
 * status (14 UNAVAILABLE, 4 DEADLINE_EXCEEDED, 1 CANCELLED, 10 ABORTED, 13 INTERNAL with a reset stream).
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof EventStoreUnavailableError) return true;
  if (error instanceof UnavailableError || error instanceof DeadlineExceededError || error instanceof TimeoutError) return true;
  if (error instanceof NotLeaderError || error instanceof CancelledError) return true;
  if (error instanceof UnknownError) return NOT_HANDLED.test(error.message);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 14 || code === 4 || code === 1 || code === 10) return true;
  return error instanceof Error && /UNAVAILABLE|ECONNREFUSED|ECONNRESET|EPIPE|No connection established|RST_STREAM|Connection dropped/i.test(error.message);
}

/** The server's NotHandled reasons, as BatchAppend words them (and a follower in an election, which knows no leader). */
const NOT_HANDLED = /Server Is (Not Ready|Busy|Too Busy)|No leader info available/;

/**
 * A short reason for logs and error messages. Only the client's error kind and the server's fixed wording: never
 * the stream name or anything of the request, which the client sometimes puts into its messages.
 */
function reasonOf(error: unknown): string {
  if (error instanceof NotLeaderError) return 'not the leader';
  if (error instanceof TimeoutError || error instanceof DeadlineExceededError) return 'timed out (the operation may still have happened)';
  const message = error instanceof Error ? error.message : '';
  const known = NOT_HANDLED.exec(message)?.[0] ?? /Consumer too slow|ECONNREFUSED|ECONNRESET|No connection established|UNAVAILABLE/i.exec(message)?.[0];
  return known ?? (error instanceof Error ? error.constructor.name : 'unknown error');
}
