/** The double's storage: one ordered log ($all) with a per-stream index, expected-revision checks and tombstones. */
import { randomUUID } from 'node:crypto';
import { CommittedEventsCache } from './committed-events-cache';

export interface ProposedEvent {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
}

export interface StoredEvent extends ProposedEvent {
  streamName: string;
  revision: bigint;
  /** Commit and prepare position alike: a counter, strictly increasing per event. */
  position: bigint;
  /** .NET ticks (100 ns) since the Unix epoch, as EventStoreDB reports `created` and the client reads it. */
  created: bigint;
}

export type Expected = { kind: 'any' } | { kind: 'no_stream' } | { kind: 'stream_exists' } | { kind: 'revision'; revision: bigint };

export type AppendOutcome =
  | { kind: 'success'; revision: bigint; position: bigint }
  | { kind: 'wrong-expected-version'; current: bigint | undefined }
  | { kind: 'stream-deleted' };

interface StreamState {
  /** Index into `events` of each event of the stream, by revision. */
  readonly indexes: number[];
  deleted: boolean;
}

const TICKS_PER_MS = 10_000n;
/** Positions start past zero, as on a real server (whose log starts with its own records). */
const FIRST_POSITION = 1_000n;
/** The revision a real server gives its tombstone record (EventNumber.DeletedStream, long.MaxValue). */
const TOMBSTONE_REVISION = 9_223_372_036_854_775_807n;

export interface InMemoryLogOptions {
  /** The server's committed-events cache for weak idempotency (8 MiB on a real server: ESConsts). */
  committedEventsCacheBytes?: number;
}

export class InMemoryLog {
  readonly events: StoredEvent[] = [];
  private readonly streams = new Map<string, StreamState>();
  private readonly listeners = new Set<() => void>();
  private readonly committed: CommittedEventsCache;
  private nextPosition = FIRST_POSITION;

  constructor(options: InMemoryLogOptions = {}) {
    this.committed = new CommittedEventsCache(options.committedEventsCacheBytes);
  }

  /** The stream's last revision; undefined when it has no events (or never existed). */
  currentRevision(streamName: string): bigint | undefined {
    const count = this.streams.get(streamName)?.indexes.length ?? 0;
    return count === 0 ? undefined : BigInt(count - 1);
  }

  isDeleted(streamName: string): boolean {
    return this.streams.get(streamName)?.deleted ?? false;
  }

  exists(streamName: string): boolean {
    return this.streams.has(streamName);
  }

  /** What a process restart (or a failover to another node) loses: the in-memory cache of recent event ids. */
  forgetRecentEventIds(): void {
    this.committed.clear();
  }

  /**
   * Expected-revision check and idempotence as the server's IndexWriter.CheckCommit decides them. With `any` or
   * `stream_exists` a repeat is recognised only from the bounded cache of recently committed event ids; with an exact
   * revision (or `no_stream`, revision -1) only where the events would sit, at expected+1 onwards, read from the index.
   * A request whose first event is a repeat but not the rest is a wrong expected version ("corrupted idempotency").
   */
  append(streamName: string, expected: Expected, proposed: ProposedEvent[]): AppendOutcome {
    const stream = this.streams.get(streamName);
    if (stream?.deleted) return { kind: 'stream-deleted' };
    const current = this.currentRevision(streamName);
    const last = current ?? -1n;
    const wrong = { kind: 'wrong-expected-version', current } as const;

    if (expected.kind === 'any' || expected.kind === 'stream_exists') {
      if (expected.kind === 'stream_exists' && current === undefined) return wrong;
      const repeats = this.recentRepeats(streamName, proposed);
      if (repeats === 'corrupted') return wrong;
      if (repeats) return repeats;
      return this.write(streamName, proposed);
    }

    const expectedRevision = expected.kind === 'no_stream' ? -1n : expected.revision;
    if (expectedRevision < last) return this.repeatAt(streamName, expectedRevision, proposed) ?? wrong;
    if (expectedRevision > last) return wrong;
    return this.write(streamName, proposed);
  }

  /** A hard delete: the stream's events stay in $all (as on a real server until scavenged), a `$streamDeleted` record follows them. */
  tombstone(streamName: string, expected: Expected): { kind: 'success'; position: bigint } | Exclude<AppendOutcome, { kind: 'success' }> {
    const stream = this.streams.get(streamName);
    if (stream?.deleted) return { kind: 'stream-deleted' };
    const current = this.currentRevision(streamName);
    if (!satisfies(expected, current)) return { kind: 'wrong-expected-version', current };
    const state = stream ?? { indexes: [], deleted: false };
    state.deleted = true;
    this.streams.set(streamName, state);
    const record: StoredEvent = {
      id: randomUUID(),
      type: '$streamDeleted',
      contentType: 'application/octet-stream',
      data: new Uint8Array(),
      customMetadata: new Uint8Array(),
      streamName,
      revision: TOMBSTONE_REVISION,
      position: this.nextPosition++,
      created: now(),
    };
    this.events.push(record);
    this.notify();
    return { kind: 'success', position: record.position };
  }

  /** Events of one stream from a revision (inclusive), at most `count`. */
  readStream(streamName: string, from: bigint | 'start' | 'end', forwards: boolean, count: number): StoredEvent[] {
    const indexes = this.streams.get(streamName)?.indexes ?? [];
    const start = from === 'start' ? 0 : from === 'end' ? indexes.length - 1 : Number(from);
    const result: StoredEvent[] = [];
    for (let i = start; i >= 0 && i < indexes.length && result.length < count; i += forwards ? 1 : -1) {
      result.push(this.events[indexes[i]!]!);
    }
    return result;
  }

  /** Where the event at `position` is or would be in `events`: may be below 0 or past the end. */
  indexOf(position: bigint): number {
    // Positions are dense from FIRST_POSITION: no search needed.
    return Number(position - FIRST_POSITION);
  }

  /** Index in `events` of the first event after `position` (exclusive). */
  indexAfter(position: bigint): number {
    return Math.min(Math.max(this.indexOf(position) + 1, 0), this.events.length);
  }

  lastPosition(): bigint | undefined {
    return this.events[this.events.length - 1]?.position;
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Weak idempotence: the outcome of the earlier write if every id is a recent one of this stream. */
  private recentRepeats(streamName: string, proposed: ProposedEvent[]): AppendOutcome | 'corrupted' | undefined {
    let lastRepeat: bigint | undefined;
    for (const event of proposed) {
      const earlier = this.committed.get(event.id);
      if (earlier?.streamName === streamName) {
        lastRepeat = earlier.revision;
        continue;
      }
      // The first event is new: the whole request is new (later ids are not looked at, as on the server).
      return lastRepeat === undefined ? undefined : 'corrupted';
    }
    if (lastRepeat === undefined) return undefined; // nothing proposed
    return this.outcomeAt(streamName, lastRepeat);
  }

  /** Strong idempotence: the outcome of the earlier write if the ids sit exactly after `expectedRevision`. */
  private repeatAt(streamName: string, expectedRevision: bigint, proposed: ProposedEvent[]): AppendOutcome | undefined {
    if (proposed.length === 0) return undefined;
    const indexes = this.streams.get(streamName)!.indexes;
    for (let i = 0; i < proposed.length; i++) {
      const at = indexes[Number(expectedRevision) + 1 + i];
      if (at === undefined || this.events[at]!.id !== proposed[i]!.id) return undefined;
    }
    return this.outcomeAt(streamName, expectedRevision + BigInt(proposed.length));
  }

  private outcomeAt(streamName: string, revision: bigint): AppendOutcome {
    const event = this.events[this.streams.get(streamName)!.indexes[Number(revision)]!]!;
    return { kind: 'success', revision, position: event.position };
  }

  private write(streamName: string, proposed: ProposedEvent[]): AppendOutcome {
    const current = this.currentRevision(streamName);
    if (proposed.length === 0) return { kind: 'success', revision: current ?? -1n, position: -1n };
    const state: StreamState = this.streams.get(streamName) ?? { indexes: [], deleted: false };
    this.streams.set(streamName, state);
    const created = now();
    let last: StoredEvent | undefined;
    for (const event of proposed) {
      last = { ...event, streamName, revision: BigInt(state.indexes.length), position: this.nextPosition++, created };
      state.indexes.push(this.events.length);
      this.events.push(last);
      this.committed.put(event.id, { streamName, revision: last.revision });
    }
    this.notify();
    return { kind: 'success', revision: last!.revision, position: last!.position };
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

function now(): bigint {
  return BigInt(Date.now()) * TICKS_PER_MS;
}

function satisfies(expected: Expected, current: bigint | undefined): boolean {
  switch (expected.kind) {
    case 'any':
      return true;
    case 'no_stream':
      return current === undefined;
    case 'stream_exists':
      return current !== undefined;
    case 'revision':
      return current === expected.revision;
  }
}
