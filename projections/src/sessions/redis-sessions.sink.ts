import type { Redis } from 'ioredis';
import { type EventFilter, formatPosition, parsePosition, type Position } from '../../../libs/event-store/src';
import type { DeadLetterRecorder } from '../runtime/dead-letters';
import type { ProjectedEvent } from '../runtime/projected-event';
import type { ProjectionSink } from '../runtime/projection-sink';
import { APPLY_SESSION_BATCH, runScript } from './session-scripts';
import { SessionKeys } from './session-keys';
import { sessionOperation, type SessionOperation } from './session-operations';

export interface RedisSessionsOptions {
  version: number;
  idleSeconds: number;
  now?: () => number;
  /** Where unreadable events are parked (the PostgreSQL dead-letter table); without it they are only counted. */
  deadLetters?: DeadLetterRecorder;
}

/**
 * The sessions projection: Redis keys with TTLs, written by one Lua script per batch together with the checkpoint.
 * Events it cannot read (malformed data) are skipped and parked in PostgreSQL's dead-letter table.
 */
export class RedisSessionsSink implements ProjectionSink {
  readonly name = 'sessions';
  // No subscription filter: the checkpoint must advance with every event of $all, or a query waiting for a
  // position (X-Consistent-With) could wait for an event this projection never receives.
  readonly filter: EventFilter | undefined = undefined;
  private readonly keys: SessionKeys;
  private lastStored = '';

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisSessionsOptions,
  ) {
    this.keys = SessionKeys.forVersion(options.version);
  }

  async prepare(): Promise<void> {
    // Version 1 is live unless a rebuild said otherwise.
    await this.redis.set(SessionKeys.LIVE_VERSION, String(this.options.version), 'NX');
  }

  async activate(): Promise<void> {
    await this.redis.set(SessionKeys.LIVE_VERSION, String(this.options.version));
  }

  /** Deletes this version's keys, a page at a time (UNLINK frees memory off Redis's main thread). */
  async drop(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.keys.prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async readCheckpoint(): Promise<Position | undefined> {
    this.lastStored = (await this.redis.get(this.keys.checkpoint())) ?? '';
    return this.lastStored ? parsePosition(this.lastStored) : undefined;
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
    await runScript(this.redis, APPLY_SESSION_BATCH, [
      this.keys.prefix,
      this.lastStored,
      next,
      String(now),
      String(this.options.idleSeconds * 1000),
      JSON.stringify(operations),
    ]);
    this.lastStored = next;
    return { deadLettered };
  }
}
