import type { ExpectedRevision } from './event-store.port';

/** Base class of the event store's typed errors. `retryable` tells a caller whether trying again can help. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
}

/** The stream was not at the expected revision: someone else appended first. Reload, decide again, retry. */
export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'wrong_expected_revision';
  readonly retryable = true;
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** The stream's revision now, or 'no_stream'. */
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${streamName} expected at ${String(expected)} but is at ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

export class StreamDeletedError extends EventStoreError {
  readonly code = 'stream_deleted';
  readonly retryable = false;
  constructor(readonly streamName: string) {
    super(`stream ${streamName} is deleted`);
    this.name = 'StreamDeletedError';
  }
}

/**
 * The store could not serve the request now: unreachable, the connection dropped, not ready (starting), too busy,
 * not the leader, or the write timed out. The operation may or may not have happened; trying again (the same event
 * ids, the same expected revision) is safe and may succeed. Callers answer HTTP 503.
 */
export class EventStoreUnavailableError extends EventStoreError {
  readonly code = 'event_store_unavailable';
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailableError';
  }
}

/** The request itself is wrong (empty stream name, a duplicate event id within one append, …). */
export class InvalidAppendError extends EventStoreError {
  readonly code = 'invalid_append';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppendError';
  }
}

/**
 * The append is larger than the store takes in one write (EventStoreDB's MaxAppendSize, 1 MiB by default). The
 * same append will fail again: split it, or make the events smaller.
 */
export class AppendTooLargeError extends EventStoreError {
  readonly code = 'append_too_large';
  readonly retryable = false;
  constructor(
    readonly streamName: string,
    /** The store's limit in bytes, when it says. */
    readonly maxAppendSize: number | undefined,
  ) {
    super(`append to ${streamName} exceeds the store's maximum append size${maxAppendSize === undefined ? '' : ` of ${maxAppendSize} bytes`}`);
    this.name = 'AppendTooLargeError';
  }
}
