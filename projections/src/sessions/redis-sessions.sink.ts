import { type RedisClient, redisMasters } from '@accounts/config';
import { comparePositions, type EventFilter, formatPosition, parsePosition, type Position } from '@accounts/event-store';
import type { DeadLetterRecorder } from '../runtime/dead-letters';
import type { ProjectedEvent } from '../runtime/projected-event';
import type { ProjectionSink } from '../runtime/projection-sink';
import { APPLY_SESSION_BATCH, CARRY_IDLE_TIMERS, runScript } from './session-scripts';
import { SessionKeys } from './session-keys';
import { sessionOperation, type SessionOperation } from './session-operations';

export interface RedisSessionsOptions {
  version: number;
  idleSeconds: number;
  now?: () => number;
  /** Where unreadable events are parked (the PostgreSQL dead-letter table); without it they are only counted. */
  deadLetters?: DeadLetterRecorder;
  /**
   * The checkpoint PostgreSQL last mirrored for this version (see ProjectionRegistry.mirror): how far this version
   * had got, should Redis lose its data.
   */
  lastKnownCheckpoint?: () => Promise<Position | undefined>;
}

const REBUILDING = 'rebuilding:';
const SUPERSEDED = 'superseded';
/** Keys per SCAN page and per script call when dropping a version or carrying its idle timers over. */
const PAGE = 1000;

/**
 * The sessions projection: Redis keys with TTLs, written by one Lua script per batch together with the checkpoint.
 * Events it cannot read (malformed data) are skipped and parked in PostgreSQL's dead-letter table.
 *
 * Redis may lose everything (restarted without persistence, flushed, a failover to a replica that had not caught
 * up): a missing checkpoint key says so. The version then starts again from the first event, and until it is back
 * where it was, it answers every validation with "unavailable" (503), never with a wrong yes or no.
 */
export class RedisSessionsSink implements ProjectionSink {
  readonly name = 'sessions';
  // No subscription filter: the checkpoint must advance with every event of $all, or a query waiting for a
  // position (X-Consistent-With) could wait for an event this projection never receives.
  readonly filter: EventFilter | undefined = undefined;
  private readonly keys: SessionKeys;
  private lastStored = '';
  /** Set while rebuilding after lost data: the position the version had reached before. */
  private rebuildingUntil: Position | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisSessionsOptions,
  ) {
    this.keys = SessionKeys.forVersion(options.version);
  }

  async prepare(): Promise<void> {
    // Nothing to create: the keys appear with the first batch (readCheckpoint marks a fresh start).
  }

  /**
   * Called for the live version between batches. The registry in PostgreSQL says which version is live; Redis is
   * made to agree (its pointer lost with its data, or left half-swapped by a swap whose transaction failed after the
   * pointer moved). Says whether this version's data was lost: then the supervisor restarts it, and readCheckpoint
   * starts the rebuild.
   */
  async ensureLive(): Promise<{ lost: boolean }> {
    await this.redis.set(SessionKeys.LIVE_VERSION, String(this.options.version));
    const [checkpoint, unavailable] = await this.redis.mget(this.keys.checkpoint(), this.keys.unavailable());
    if (unavailable === SUPERSEDED) await this.redis.del(this.keys.unavailable());
    return { lost: checkpoint == null };
  }

  async activate(): Promise<void> {
    const previous = Number((await this.redis.get(SessionKeys.LIVE_VERSION)) ?? '1');
    if (previous === this.options.version) return;
    const old = SessionKeys.forVersion(previous);
    // Idle timers were kept by validations against the old version meanwhile; carry them over before and after the
    // swap (the second pass catches validations that ran during the first; once the old version is marked
    // superseded, none touches it).
    await this.carryIdleTimers(old);
    await this.redis.set(SessionKeys.LIVE_VERSION, String(this.options.version));
    await this.redis.set(old.unavailable(), SUPERSEDED);
    await this.carryIdleTimers(old);
  }

  /** Deletes this version's keys, a page at a time (UNLINK frees memory off Redis's main thread). */
  async drop(): Promise<void> {
    await this.scanVersion(this.keys, '*', async (keys, node) => void (await node.unlink(...keys)));
  }

  async readCheckpoint(): Promise<Position | undefined> {
    const [stored, unavailable] = await this.redis.mget(this.keys.checkpoint(), this.keys.unavailable());
    if (stored == null) return this.startOver();
    this.lastStored = stored;
    this.rebuildingUntil = unavailable?.startsWith(REBUILDING) ? parsePosition(unavailable.slice(REBUILDING.length)) : undefined;
    return stored ? parsePosition(stored) : undefined;
  }

  async applyBatch(events: ProjectedEvent[], checkpoint: Position): Promise<{ deadLettered: number }> {
    const operations: SessionOperation[] = [];
    let deadLettered = 0;
    for (const event of events) {
      if (event.kind === 'undecodable') {
        deadLettered++;
        await this.options.deadLetters?.record({ projection: this.name, version: this.options.version, event, reason: `undecodable: ${event.reason}` });
        continue;
      }
      const operation = sessionOperation(event);
      if (operation === 'invalid') {
        deadLettered++;
        await this.options.deadLetters?.record({ projection: this.name, version: this.options.version, event, reason: 'MalformedSessionEvent' });
      } else if (operation) operations.push(operation);
    }
    const next = formatPosition(checkpoint);
    const now = this.options.now?.() ?? Date.now();
    const rebuilt = this.rebuildingUntil !== undefined && comparePositions(checkpoint, this.rebuildingUntil) >= 0;
    await runScript(
      this.redis,
      APPLY_SESSION_BATCH,
      [this.keys.checkpoint(), this.keys.unavailable()],
      [this.keys.prefix, this.lastStored, next, String(now), String(this.options.idleSeconds * 1000), JSON.stringify(operations), rebuilt ? '1' : ''],
    );
    this.lastStored = next;
    if (rebuilt) this.rebuildingUntil = undefined;
    return { deadLettered };
  }

  /**
   * The checkpoint key is gone: a first start, or lost data. If this version had got anywhere (as this process or
   * PostgreSQL's mirror remembers), it is marked as rebuilding up to there, so that it answers nothing meanwhile;
   * either way it starts from the first event.
   */
  private async startOver(): Promise<undefined> {
    const remembered = this.lastStored ? parsePosition(this.lastStored) : undefined;
    const mirrored = await this.options.lastKnownCheckpoint?.();
    const reached = remembered && mirrored ? (comparePositions(remembered, mirrored) >= 0 ? remembered : mirrored) : (remembered ?? mirrored);
    const transaction = this.redis.multi().set(this.keys.checkpoint(), '', 'NX');
    if (reached) transaction.set(this.keys.unavailable(), REBUILDING + formatPosition(reached));
    await transaction.exec();
    this.lastStored = '';
    this.rebuildingUntil = reached;
    return undefined;
  }

  private async carryIdleTimers(from: SessionKeys): Promise<void> {
    await this.scanVersion(from, 'seen:*', async (seenKeys, node) => {
      const pipeline = node.pipeline();
      for (const key of seenKeys) pipeline.pexpiretime(key);
      const deadlines = (await pipeline.exec()) ?? [];
      const timers = seenKeys.flatMap((key, i) => {
        const deadline = deadlines[i]?.[1];
        return typeof deadline === 'number' && deadline > 0 ? [[key.slice(from.seen('').length), deadline]] : [];
      });
      if (timers.length > 0) await runScript(this.redis, CARRY_IDLE_TIMERS, [this.keys.checkpoint()], [this.keys.prefix, JSON.stringify(timers)]);
    });
  }

  /** Visits a version's keys matching `pattern` (after its prefix), a page at a time, on whichever node holds them. */
  private async scanVersion(keys: SessionKeys, pattern: string, visit: (page: string[], node: ReturnType<typeof redisMasters>[number]) => Promise<void>): Promise<void> {
    // The hash tag's braces are literal in a MATCH pattern (glob syntax gives them no meaning).
    for (const node of redisMasters(this.redis)) {
      let cursor = '0';
      do {
        const [next, page] = await node.scan(cursor, 'MATCH', `${keys.prefix}${pattern}`, 'COUNT', PAGE);
        if (page.length > 0) await visit(page, node);
        cursor = next;
      } while (cursor !== '0');
    }
  }
}
