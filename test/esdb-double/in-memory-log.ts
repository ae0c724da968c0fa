/** The double's storage: one ordered log ($all) with a per-stream index, expected-revision checks and tombstones. */

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
  /** .NET ticks since 0001-01-01, as EventStoreDB reports `created`. */
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
  readonly ids: Map<string, StoredEvent>;
  deleted: boolean;
}

const TICKS_PER_MS = 10_000n;
const EPOCH_TICKS = 621_355_968_000_000_000n;
/** Positions start past zero, as on a real server (whose log starts with its own records). */
const FIRST_POSITION = 1_000n;

export class InMemoryLog {
  readonly events: StoredEvent[] = [];
  private readonly streams = new Map<string, StreamState>();
  private readonly listeners = new Set<() => void>();
  private nextPosition = FIRST_POSITION;

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

  append(streamName: string, expected: Expected, proposed: ProposedEvent[]): AppendOutcome {
    const stream = this.streams.get(streamName);
    if (stream?.deleted) return { kind: 'stream-deleted' };
    const current = this.currentRevision(streamName);

    // Idempotence, simplified: a request whose event ids are all in the stream already is a repeat and appends
    // nothing; it reports the stream as it was after those events (the server checks where they sit; see README).
    if (stream && proposed.length > 0) {
      const repeats = proposed.map((event) => stream.ids.get(event.id));
      if (repeats.every((event) => event !== undefined)) {
        const last = repeats[repeats.length - 1]!;
        return { kind: 'success', revision: last.revision, position: last.position };
      }
    }
    if (!satisfies(expected, current)) return { kind: 'wrong-expected-version', current };
    if (proposed.length === 0) return { kind: 'success', revision: current ?? -1n, position: -1n };

    const state: StreamState = stream ?? { indexes: [], ids: new Map(), deleted: false };
    this.streams.set(streamName, state);
    const created = BigInt(Date.now()) * TICKS_PER_MS + EPOCH_TICKS;
    let last: StoredEvent | undefined;
    for (const event of proposed) {
      last = { ...event, streamName, revision: BigInt(state.indexes.length), position: this.nextPosition++, created };
      state.indexes.push(this.events.length);
      state.ids.set(event.id, last);
      this.events.push(last);
    }
    for (const listener of this.listeners) listener();
    return { kind: 'success', revision: last!.revision, position: last!.position };
  }

  /** A hard delete: the stream's events stay in $all (as on a real server until scavenged), the name is gone for good. */
  tombstone(streamName: string, expected: Expected): { kind: 'success' } | Exclude<AppendOutcome, { kind: 'success' }> {
    const stream = this.streams.get(streamName);
    if (stream?.deleted) return { kind: 'stream-deleted' };
    const current = this.currentRevision(streamName);
    if (!satisfies(expected, current)) return { kind: 'wrong-expected-version', current };
    if (stream) stream.deleted = true;
    else this.streams.set(streamName, { indexes: [], ids: new Map(), deleted: true });
    return { kind: 'success' };
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
