/**
 * The event store port: everything the write side and the projectors need from an event store, and nothing more.
 * Two adapters implement it (PostgreSQL, the default, and EventStoreDB); `test/event-store/conformance.ts` is the
 * contract both must pass.
 */
import type { Position } from './position';
import type { EventFilter } from './filter';

/** What the caller expects the stream to look like before the append. A revision is 0-based: the first event is 0. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** Facts about an event that are not its data. Never holds plaintext personal data. */
export interface EventMetadata {
  /** ISO-8601 UTC time at which the command that caused the event was decided. */
  occurredAt: string;
  correlationId?: string;
  causationId?: string;
  /** Id of the end user on whose behalf the calling service acted. */
  actorId?: string;
  /** Name of the calling service. */
  service?: string;
  /** Version of the event's data shape; read models upcast older shapes on read. Defaults to 1. */
  schemaVersion?: number;
  [key: string]: unknown;
}

export interface NewEvent<TData = unknown> {
  /**
   * A UUID. A repeated append is recognised, and appends nothing, only where the expected revision says the events
   * sit: an exact revision (or `no_stream`) whose next events carry these ids, in order. With `any` or
   * `stream_exists` a store may append the events again (EventStoreDB recognises them only from a bounded cache
   * of recent ids, empty after a restart or a leader change).
   * Callers that must not duplicate append with an exact revision and look for their ids in the stream first, as
   * the aggregate store does: that is the guarantee, the store's own check only spares a round trip.
   */
  id: string;
  type: string;
  data: TData;
  metadata: EventMetadata;
}

export interface RecordedEvent<TData = unknown> extends NewEvent<TData> {
  streamName: string;
  revision: bigint;
  position: Position;
}

export interface AppendResult {
  /** Revision of the last event of the stream after the append (pass it as the next expected revision). */
  nextExpectedRevision: bigint;
  /** Global position of the last event appended (for a recognised repeat: of the last event of the first append). */
  position: Position;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  direction?: Direction;
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  fromRevision?: bigint;
  /** At most this many events. Omitted: every event to the stream's end (or start), read a page at a time. */
  maxCount?: number;
}

export interface ReadAllOptions {
  direction?: Direction;
  /**
   * Exclusive: read events after this position (forwards) or before it (backwards). Omitted: from the start
   * (forwards) or the end (backwards).
   */
  from?: Position;
  maxCount?: number;
  filter?: EventFilter;
}

export interface SubscriptionBatch {
  events: RecordedEvent[];
  /**
   * Everything up to and including this position has been delivered. Store it with the batch's effect and
   * resubscribe from it: nothing is skipped and nothing before it is delivered again.
   */
  checkpoint: Position;
}

export interface SubscribeToAllOptions {
  /** Exclusive: the checkpoint stored with the last batch handled. Omitted: from the start of $all. */
  from?: Position;
  filter?: EventFilter;
  /** Upper bound on events in one batch. */
  maxBatchSize?: number;
  /** Called with each batch, in position order; the next batch waits until the returned promise settles. */
  handle(batch: SubscriptionBatch): Promise<void>;
  /** Called once when the subscription has delivered everything that existed when it caught up, then turns live. */
  onCaughtUp?(): void;
  /**
   * Called when the subscription ends because of an error it cannot recover from (a handler that throws, a stream
   * deleted). Connection failures are retried by the adapter and do not end the subscription.
   */
  onError?(error: Error): void;
}

export interface Subscription {
  /** Resolves once the subscription has caught up with $all as it was when subscribing (rejects if it fails). */
  readonly caughtUp: Promise<void>;
  /** Stops the subscription; resolves after the batch in flight (if any) has been handled. */
  stop(): Promise<void>;
}

export interface EventStore {
  appendToStream(streamName: string, events: NewEvent[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult>;
  /**
   * Events of one stream, from `fromRevision` to its end (or its start, backwards), however long it is: adapters page
   * internally, so no caller ever gets a silent prefix. `maxCount` bounds the result when the caller wants fewer. An
   * empty array when the stream does not exist. Throws `StreamDeletedError` for a deleted one.
   */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * The position of the last event committed to $all, or undefined when the store is empty. Every event the store
   * has acknowledged is at or before it, even where $all does not show it yet (PostgreSQL, while an older transaction
   * is open), so waiting for a projection to reach it waits for everything stored now.
   */
  headPosition(): Promise<Position | undefined>;
  subscribeToAll(options: SubscribeToAllOptions): Subscription;
  /**
   * How many events of $all come after `from`, counted up to `limit` (operators' lag and rebuild progress). Only
   * stores that can count cheaply offer it; EventStoreDB cannot, and callers estimate from positions instead.
   */
  countEvents?(options: { from?: Position; limit: number }): Promise<number>;
  /**
   * Deletes a stream for good (a tombstone): later reads and appends throw `StreamDeletedError`. Events already
   * read by subscribers stay in $all.
   */
  deleteStream(streamName: string, options?: { expectedRevision?: ExpectedRevision }): Promise<void>;
  close(): Promise<void>;
}
