import { v7 as uuidv7 } from 'uuid';
import type { Decider } from '@accounts/domain';
import { type CommandMetadata, type EventCodec, type PlainEvent, type SnapshotCodec } from '@accounts/event-codec';
import {
  type AppendResult,
  type AssumedFacts,
  ClaimNotGrantedError,
  type EventStore,
  type ExpectedRevision,
  type IdempotencyClaimOutcome,
  type IdempotencyClaimRequest,
  isClaimingAppender,
  type NewEvent,
  type Position,
  WrongExpectedRevisionError,
} from '@accounts/event-store';
import { SubjectErasedError } from '@accounts/privacy';
import { derivedUuid } from './derived-ids';
import type { SnapshotStore } from './snapshot-store';

export interface CommandContext {
  metadata: CommandMetadata;
  /**
   * Seed for event ids (derived from the calling service, its idempotency key and the request): the same command
   * run again yields the same ids, so a run that crashed after appending is recognised instead of repeated.
   */
  idSeed?: string;
  /** The request's Idempotency-Key, still to be claimed: with the command's append, where the store can (see below). */
  claim?: PendingClaim;
}

/**
 * An Idempotency-Key the interceptor left for the command's first append to claim (IdempotencyInterceptor,
 * `ClaimWithAppend`): on PostgreSQL the claim, the facts the command assumed, and the append are one round trip.
 */
export interface PendingClaim {
  readonly request: IdempotencyClaimRequest;
  /** Facts the command was decided on without reading them, checked by the append (see UserLookup.isActive). */
  readonly facts: AssumedFacts;
  /** Whether facts may still be assumed: only on a store that checks them with its append, and not on a re-run. */
  readonly assumesFacts: boolean;
  assume(streamName: string, endedBy: readonly string[]): void;
  /** Set once the key was claimed, or found held by another run. */
  outcome: IdempotencyClaimOutcome | undefined;
}

export interface Outcome<TState, TEvent> {
  state: TState;
  /** What this run appended (empty when the decision was "nothing to do" or the command had already been applied). */
  events: TEvent[];
  /** Position of the last event this command appended, if any. */
  position: Position | undefined;
  alreadyApplied: boolean;
}

/** Hooks for metrics: conflicts retried, events appended. */
export interface AggregateStoreObserver {
  conflict?(): void;
  appended?(streamName: string, count: number): void;
}

/** Thrown when the stream kept changing under every retry: the caller gets 409 `concurrency_conflict`. */
export class ConcurrencyConflictError extends Error {
  readonly code = 'concurrency_conflict';
  constructor() {
    super('The resource changed concurrently; retry the request.');
    this.name = 'ConcurrencyConflictError';
  }
}

/**
 * A stream's state as this process last saw it: the next command reads only the events after `revision`, instead of
 * the whole stream (organization streams grow with every membership change). The ids of every event folded in are
 * kept, so a repeat of an earlier run is still recognised. Entries expire, so decoded state does not linger in memory.
 */
interface CachedStream<TState> {
  state: TState;
  revision: bigint;
  eventPositions: Map<string, Position>;
  cachedAt: number;
  /** Revision of the newest snapshot this process knows of for the stream (-1: none). */
  snapshotRevision: bigint;
}

/** A stream's state as a command sees it (see `current`). */
interface CurrentState<TState> {
  state: TState;
  revision: bigint | undefined;
  eventPositions: Map<string, Position>;
  snapshotRevision: bigint;
  /** Taken from the cache without reading the events after it: other processes may have appended since. */
  unread: boolean;
}

/**
 * How one kind of stream is snapshotted. A snapshot holds the state folded up to a revision; a command then reads it
 * and only the events after it, so its cost does not grow with the stream's history.
 */
export interface SnapshotPolicy<TState = unknown> {
  /** The state's shape. Bump it when the shape changes: a snapshot of another version is ignored, then replaced. */
  version: number;
  /** A new snapshot once this many events came after the last one. */
  every: number;
  /**
   * Whose data key seals the snapshot (the user, the organization). Undefined: the state must not be kept (an erased
   * user), and the stream's snapshot is deleted.
   */
  subjectOf(state: TState): string | undefined;
}

export interface SnapshotOptions {
  store: SnapshotStore;
  codec: SnapshotCodec;
  /** The policy for a stream (by name), or undefined for streams that are not snapshotted. */
  policyFor(streamName: string): SnapshotPolicy | undefined;
  /** A snapshot that could not be written (the store is down): the command still succeeds. */
  failed?(error: unknown): void;
}

export interface AggregateStoreOptions {
  snapshots?: SnapshotOptions;
  /** Streams whose state may be kept between commands (by name); none by default. */
  cacheable?(streamName: string): boolean;
  /** How many streams to keep, least recently used first out. */
  cacheSize?: number;
  cacheTtlMs?: number;
  now?(): number;
}

const MAX_ATTEMPTS = 8;
/** How many derived ids to look for when recognising an earlier run (no command appends more events than this). */
const MAX_EVENTS_PER_COMMAND = 16;

/**
 * Load, decide, append with the expected revision; on a conflict, reload and decide again. Every command handler
 * goes through here.
 */
export class AggregateStore {
  /** Tail of the queue of commands per stream in this process (see `execute`). */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly cache = new Map<string, CachedStream<unknown>>();

  constructor(
    private readonly eventStore: EventStore,
    private readonly codec: EventCodec,
    private readonly observer: AggregateStoreObserver = {},
    private readonly options: AggregateStoreOptions = {},
  ) {}

  /** The stream's current state (from its snapshot and the events after it), for facts a command needs. */
  async load<TEvent extends PlainEvent, TState>(streamName: string, decider: Decider<unknown, TEvent, TState>): Promise<{ state: TState; revision: bigint | undefined }> {
    const { state, revision } = await this.current(streamName, decider);
    return { state, revision };
  }

  /**
   * The stream folded by another fold than its own decider's (erasure reads the person as they were before
   * `UserErased`): read from the snapshot like `load`, but neither cached nor snapshotted, since the cache and the
   * snapshots hold the decider's state for the stream's name, and this is not it.
   */
  async peek<TEvent extends PlainEvent, TState>(streamName: string, fold: Decider<unknown, TEvent, TState>): Promise<TState> {
    return (await this.current(streamName, fold, false, false)).state;
  }

  /**
   * Commands on one stream from this process run one after another: racing them would only turn into conflicts and
   * retries. Across processes, the expected revision decides, and the loser retries with fresh state.
   */
  execute<TCommand, TEvent extends PlainEvent, TState>(
    streamName: string,
    decider: Decider<TCommand, TEvent, TState>,
    command: TCommand | ((state: TState) => TCommand),
    context: CommandContext,
  ): Promise<Outcome<TState, TEvent>> {
    const previous = this.queues.get(streamName) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.executeNow(streamName, decider, command, context));
    const tail = run.catch(() => undefined);
    this.queues.set(streamName, tail);
    void tail.then(() => {
      if (this.queues.get(streamName) === tail) this.queues.delete(streamName);
    });
    return run;
  }

  private async executeNow<TCommand, TEvent extends PlainEvent, TState>(
    streamName: string,
    decider: Decider<TCommand, TEvent, TState>,
    command: TCommand | ((state: TState) => TCommand),
    context: CommandContext,
  ): Promise<Outcome<TState, TEvent>> {
    const ids = Array.from({ length: MAX_EVENTS_PER_COMMAND }, (_, i) => (context.idSeed ? derivedUuid(context.idSeed, streamName, String(i)) : undefined));
    // The first attempt decides on the cached state without reading (one round trip less): an append is still
    // checked by the expected revision, and any other outcome (nothing to do, a refusal) is decided again on read state.
    let trustCache = true;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const { state, revision, eventPositions, snapshotRevision, unread } = await this.current(streamName, decider, trustCache);
      trustCache = false;
      const earlier = ids.filter((id): id is string => id !== undefined && eventPositions.has(id));
      if (earlier.length > 0) return { state, events: [], position: eventPositions.get(earlier[earlier.length - 1]!)!, alreadyApplied: true };

      let decided: TEvent[];
      try {
        decided = decider.decide(typeof command === 'function' ? (command as (s: TState) => TCommand)(state) : command, state);
      } catch (error) {
        if (unread) continue;
        throw error;
      }
      if (decided.length === 0 && unread) continue;
      if (decided.length === 0) return { state, events: [], position: undefined, alreadyApplied: false };
      if (decided.length > MAX_EVENTS_PER_COMMAND) throw new Error('a command decided more events than one append may hold');

      const encoded = await Promise.all(decided.map((event, i) => this.codec.encode(event, ids[i] ?? uuidv7(), context.metadata)));
      try {
        const result = await this.append(streamName, encoded, revision ?? 'no_stream', context.claim);
        this.observer.appended?.(streamName, decided.length);
        const next = decider.fold(state, decided);
        // A repeat the store recognised reports the first append's revision: `next` is then not that revision's state.
        const appended = result.nextExpectedRevision === (revision ?? -1n) + BigInt(decided.length);
        const snapshotAt = appended ? await this.snapshotIfDue(streamName, next, result.nextExpectedRevision, snapshotRevision, true) : snapshotRevision;
        this.remember(streamName, { state: next, revision: result.nextExpectedRevision, eventPositions, cachedAt: this.now(), snapshotRevision: snapshotAt }, encoded.map((event) => event.id), result.position);
        return { state: next, events: decided, position: result.position, alreadyApplied: false };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        this.observer.conflict?.();
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt)); // de-synchronise racers
      }
    }
    throw new ConcurrencyConflictError();
  }

  /**
   * The append, claiming the request's Idempotency-Key in the same round trip when it is still to be claimed and the
   * store can (PostgreSQL). A wrong revision or a failed fact rolls the claim back with the append; a key held by
   * another run throws ClaimNotGrantedError, which the interceptor answers.
   */
  private async append(streamName: string, events: NewEvent[], expectedRevision: ExpectedRevision, claim: PendingClaim | undefined): Promise<AppendResult> {
    if (!claim || claim.outcome !== undefined || !isClaimingAppender(this.eventStore)) return this.eventStore.appendToStream(streamName, events, { expectedRevision });
    const claimed = await this.eventStore.appendClaimed(streamName, events, { expectedRevision, claim: claim.request, facts: claim.facts });
    claim.outcome = claimed.claim;
    if (claimed.claim.outcome !== 'claimed' || !claimed.result) throw new ClaimNotGrantedError(claimed.claim as Exclude<IdempotencyClaimOutcome, { outcome: 'claimed' }>);
    return claimed.result;
  }

  /**
   * The stream's current state: the cached state, else the stream's snapshot, plus the events after it; or the whole
   * stream. The ids of events before a snapshot are not read: a repeat of a command that far back is recognised by
   * the event store's idempotent append (same event ids) instead.
   */
  private async current<TEvent extends PlainEvent, TState>(streamName: string, decider: Decider<unknown, TEvent, TState>, trustCache = false, keep = true): Promise<CurrentState<TState>> {
    const cached = this.cache.get(streamName) as CachedStream<TState> | undefined;
    const fresh = keep && cached && this.now() - cached.cachedAt < (this.options.cacheTtlMs ?? 60_000) ? cached : undefined;
    if (fresh && trustCache) return { ...fresh, unread: true };
    const base = fresh ?? (await this.fromSnapshot<TState>(streamName));
    const recorded = await this.eventStore.readStream(streamName, base ? { fromRevision: base.revision + 1n } : {});
    const decoded = await this.codec.decode(recorded);
    const state = decider.fold(base ? base.state : decider.initialState(), decoded as unknown as TEvent[]);
    // Shared with the cache entry, not copied (it holds every event id of a long stream): it only ever gains ids of
    // events that are in the stream, which stays true whatever happens next.
    const eventPositions = fresh?.eventPositions ?? new Map<string, Position>();
    for (const event of recorded) eventPositions.set(event.id, event.position);
    const revision = recorded.length > 0 ? recorded[recorded.length - 1]!.revision : base?.revision;
    // A long tail (a stream from before snapshots, or one that grew elsewhere) is folded once, then snapshotted.
    if (!keep) return { state, revision, eventPositions, snapshotRevision: base?.snapshotRevision ?? -1n, unread: false };
    const snapshotRevision = revision === undefined ? -1n : await this.snapshotIfDue(streamName, state, revision, base?.snapshotRevision ?? -1n, false);
    if (revision !== undefined) this.remember(streamName, { state, revision, eventPositions, cachedAt: fresh?.cachedAt ?? this.now(), snapshotRevision }, [], undefined);
    return { state, revision, eventPositions, snapshotRevision, unread: false };
  }

  /** The stream's snapshot, when there is one of the policy's version that its subject's key still opens. */
  private async fromSnapshot<TState>(streamName: string): Promise<{ state: TState; revision: bigint; snapshotRevision: bigint } | undefined> {
    const snapshots = this.options.snapshots;
    const policy = snapshots?.policyFor(streamName);
    if (!snapshots || !policy) return undefined;
    const stored = await snapshots.store.read(streamName);
    if (!stored || stored.stateVersion !== policy.version) return undefined;
    const state = (await snapshots.codec.open(stored.subjectId, stored.sealedState)) as TState | undefined;
    return state === undefined ? undefined : { state, revision: stored.revision, snapshotRevision: stored.revision };
  }

  /**
   * Writes a snapshot of `state` (the stream's state at `revision`) once `every` events came after the last one. When
   * the state must not be kept, the command that made it so (`appended`: the erasure) deletes the stream's snapshot.
   * Returns the revision of the newest snapshot.
   */
  private async snapshotIfDue<TState>(streamName: string, state: TState, revision: bigint, lastSnapshot: bigint, appended: boolean): Promise<bigint> {
    const snapshots = this.options.snapshots;
    const policy = snapshots?.policyFor(streamName) as SnapshotPolicy<TState> | undefined;
    if (!snapshots || !policy) return lastSnapshot;
    const subjectId = policy.subjectOf(state);
    try {
      if (subjectId === undefined) {
        if (appended || lastSnapshot >= 0n) await snapshots.store.delete(streamName);
        return -1n;
      }
      if (revision - lastSnapshot < BigInt(policy.every)) return lastSnapshot;
      const sealedState = await snapshots.codec.seal(subjectId, state);
      await snapshots.store.write(streamName, { revision, stateVersion: policy.version, subjectId, sealedState });
      return revision;
    } catch (error) {
      // A snapshot is a shortcut: without it the next command reads further, nothing is wrong.
      if (!(error instanceof SubjectErasedError)) snapshots.failed?.(error);
      return lastSnapshot;
    }
  }

  private remember<TState>(streamName: string, entry: CachedStream<TState>, appendedIds: string[], position: Position | undefined): void {
    if (!this.options.cacheable?.(streamName)) return;
    for (const id of appendedIds) if (position) entry.eventPositions.set(id, position);
    this.cache.delete(streamName); // re-inserted last: Map order is the LRU order
    this.cache.set(streamName, entry);
    if (this.cache.size > (this.options.cacheSize ?? 10_000)) this.cache.delete(this.cache.keys().next().value!);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
