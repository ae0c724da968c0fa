import { createHash } from 'node:crypto';
import { Pool, type PoolConfig } from 'pg';
import { AssumedFactError, type AssumedFacts, type ClaimingAppender, type IdempotencyClaimOutcome, type IdempotencyClaimRequest } from '../claimed-append';
import { InvalidAppendError, StreamDeletedError } from '../errors';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
} from '../event-store.port';
import type { EventFilter } from '../filter';
import type { Position } from '../position';
import { signalAppend } from './append-signal';
import { mapAppendError, mapReadError } from './error-mapping';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './event-rows';
import { subscribeToAll } from './postgres-subscription';
import { readStreamInPages } from '../stream-pages';
import { survivesServerLoss } from '@accounts/database';

/** Only transactions older than every running one: nothing can commit behind what this reads (see 0001_event_store.sql). */
const VISIBLE = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';
/** A read of $all without maxCount is a page, not the whole store (streams are read whole: see readStream). */
const DEFAULT_READ_COUNT = 4096;

export interface PostgresEventStoreOptions {
  /** Closed by `close()` only when the store created it. */
  pool?: Pool;
  connectionString?: string;
  poolConfig?: PoolConfig;
}

/** The default event store: events in PostgreSQL (`migrations/0001_event_store.sql`). */
export class PostgresEventStore implements EventStore, ClaimingAppender {
  private readonly pool: Pool;
  private readonly ownsPool: boolean;
  /** Identifies the database for in-process wake-ups of live subscribers. */
  private readonly database: string;

  constructor(options: PostgresEventStoreOptions) {
    this.ownsPool = !options.pool;
    this.pool = options.pool ?? new Pool({ connectionString: options.connectionString, max: 20, ...options.poolConfig });
    // Errors on idle clients (a restarted server) must not crash the process; the next query reconnects.
    if (this.ownsPool) survivesServerLoss(this.pool);
    const opts = (this.pool as unknown as { options: PoolConfig }).options;
    this.database = options.connectionString ?? `${opts.host ?? ''}:${opts.port ?? ''}/${opts.database ?? ''}`;
  }

  async appendToStream(streamName: string, events: NewEvent[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    validateAppend(streamName, events);
    const [kind, revision] = typeof expected === 'bigint' ? ['exact', expected.toString()] : [expected, null];
    try {
      const { rows } = await this.pool.query<{ outcome: string; last_revision: string; last_transaction_id: string; last_sequence: string }>({
        ...prepared('SELECT * FROM es_append($1, $2, $3, $4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[])'),
        values: [
          streamName,
          kind,
          revision,
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => JSON.stringify(e.data)),
          events.map((e) => JSON.stringify(e.metadata)),
        ],
      });
      const row = rows[0]!;
      if (row.outcome === 'appended') signalAppend(this.database);
      return {
        nextExpectedRevision: BigInt(row.last_revision),
        position: { commit: BigInt(row.last_transaction_id), prepare: BigInt(row.last_sequence) },
      };
    } catch (error) {
      throw mapAppendError(error, streamName, expected);
    }
  }

  /**
   * Claim the Idempotency-Key, check the assumed facts and append, in one round trip (`es_append_claimed`,
   * migrations/0012_claimed_append.sql, with 0018's claim token). The idempotency records must live in this database.
   */
  async appendClaimed(
    streamName: string,
    events: NewEvent[],
    options: { expectedRevision: ExpectedRevision; claim: IdempotencyClaimRequest; facts: AssumedFacts },
  ): Promise<{ claim: IdempotencyClaimOutcome; result: AppendResult | undefined }> {
    const expected = options.expectedRevision;
    validateAppend(streamName, events);
    const [kind, revision] = typeof expected === 'bigint' ? ['exact', expected.toString()] : [expected, null];
    const { service, actor, key, fingerprint, staleAfterMs, token } = options.claim;
    try {
      const { rows } = await this.pool.query<{
        claim: IdempotencyClaimOutcome['outcome'];
        status_code: number | null;
        response_body: unknown;
        response_headers: Record<string, string> | null;
        outcome: string | null;
        last_revision: string;
        last_transaction_id: string;
        last_sequence: string;
      }>({
        ...prepared(`SELECT * FROM es_append_claimed($1, $2, $3, $4, $5, $6::uuid, $7::text[], $8::text[], $9, $10, $11, $12::uuid[], $13::text[], $14::jsonb[], $15::jsonb[])`),
        values: [
          service,
          actor,
          key,
          fingerprint,
          staleAfterMs,
          token,
          options.facts.streams,
          options.facts.endedBy,
          streamName,
          kind,
          revision,
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => JSON.stringify(e.data)),
          events.map((e) => JSON.stringify(e.metadata)),
        ],
      });
      const row = rows[0]!;
      if (row.claim === 'replay') {
        return { claim: { outcome: 'replay', response: { statusCode: row.status_code!, body: row.response_body, headers: row.response_headers ?? {} } }, result: undefined };
      }
      if (row.claim !== 'claimed') return { claim: { outcome: row.claim }, result: undefined };
      if (row.outcome === 'appended') signalAppend(this.database);
      return {
        claim: { outcome: 'claimed' },
        result: { nextExpectedRevision: BigInt(row.last_revision), position: { commit: BigInt(row.last_transaction_id), prepare: BigInt(row.last_sequence) } },
      };
    } catch (error) {
      const { message, detail } = error as { message?: string; detail?: string };
      if (message === 'assumed_fact_failed') throw new AssumedFactError(detail ?? '');
      throw mapAppendError(error, streamName, expected);
    }
  }

  /** The whole stream (or `maxCount` events), a page per round trip: a long stream is never cut short. */
  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    return readStreamInPages(options, async (fromRevision, count) => {
      const events = await this.readStreamPage(streamName, fromRevision ?? (backwards ? BigInt(Number.MAX_SAFE_INTEGER) : 0n), count, backwards);
      return { events, lastRevision: events[events.length - 1]?.revision, scanned: events.length };
    });
  }

  private async readStreamPage(streamName: string, from: bigint, count: number, backwards: boolean): Promise<RecordedEvent[]> {
    try {
      const { rows } = await this.pool.query<EventRow & { deleted: boolean | null }>({
        // One round trip: the stream's deleted flag, and its events (the outer row exists even when there are none).
        ...prepared(`SELECT (SELECT deleted FROM es_streams WHERE stream_name = $1) AS deleted, e.* FROM (VALUES (1)) AS one
           LEFT JOIN LATERAL (
             SELECT ${EVENT_COLUMNS} FROM es_events
              WHERE stream_name = $1 AND stream_revision ${backwards ? '<=' : '>='} $2
              ORDER BY stream_revision ${backwards ? 'DESC' : 'ASC'} LIMIT $3
           ) e ON true`),
        values: [streamName, from.toString(), count],
      });
      if (rows[0]?.deleted) throw new StreamDeletedError(streamName);
      return rows.filter((row) => row.event_id !== null).map(toRecordedEvent);
    } catch (error) {
      if (error instanceof StreamDeletedError) throw error;
      throw mapReadError(error);
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllBatch(options.from, options.maxCount ?? DEFAULT_READ_COUNT, options.filter, options.direction === 'backwards');
  }

  async countEvents({ from, limit }: { from?: Position; limit: number }): Promise<number> {
    const params: unknown[] = [limit];
    const where = [VISIBLE, "event_type NOT LIKE '$%'"];
    if (from) {
      params.push(from.commit.toString(), from.prepare.toString());
      where.push('(transaction_id, global_sequence) > ($2::xid8, $3::bigint)');
    }
    try {
      const { rows } = await this.pool.query<{ count: string }>(`SELECT count(*) AS count FROM (SELECT 1 FROM es_events WHERE ${where.join(' AND ')} LIMIT $1) pending`, params);
      return Number(rows[0]!.count);
    } catch (error) {
      throw mapReadError(error);
    }
  }

  /**
   * The last event committed, whether $all shows it yet or not: $all hides an event until every older transaction of
   * the cluster has ended, and a caller asking for "everything stored now" (a logout waiting for the login it
   * follows) must not be given a head from before an event it was already told is stored. Projections reach it once
   * the older transactions end.
   */
  async headPosition(): Promise<Position | undefined> {
    try {
      const { rows } = await this.pool.query<{ transaction_id: string; global_sequence: string }>({
        ...prepared(`SELECT transaction_id, global_sequence FROM es_events WHERE event_type NOT LIKE '$%'
          ORDER BY transaction_id DESC, global_sequence DESC LIMIT 1`),
        values: [],
      });
      const row = rows[0];
      return row && { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_sequence) };
    } catch (error) {
      throw mapReadError(error);
    }
  }

  subscribeToAll(options: SubscribeToAllOptions): Subscription {
    return subscribeToAll(
      { database: this.database, readBatch: (after, maxCount, opts) => this.readAllBatch(after, maxCount, opts.filter, false) },
      options,
    );
  }

  async deleteStream(streamName: string, options: { expectedRevision?: ExpectedRevision } = {}): Promise<void> {
    const expected = options.expectedRevision ?? 'any';
    // The expected revision is checked under the stream's lock, then the stream is marked deleted.
    const client = await this.pool.connect().catch((error: unknown) => {
      throw mapReadError(error);
    });
    try {
      await client.query('BEGIN');
      // The same per-stream lock as es_append (see 0001_event_store.sql).
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [streamName]);
      // es_streams records only tombstones; the revision is the stream's last event's (see es_append).
      const { rows } = await client.query<{ revision: string; deleted: boolean | null }>(
        `SELECT (SELECT coalesce(max(stream_revision), -1) FROM es_events WHERE stream_name = $1) AS revision,
                (SELECT deleted FROM es_streams WHERE stream_name = $1) AS deleted`,
        [streamName],
      );
      const current = rows[0]!;
      if (current.deleted) throw new StreamDeletedError(streamName);
      const actual = BigInt(current.revision);
      const matches =
        expected === 'any' ||
        (expected === 'no_stream' && actual === -1n) ||
        (expected === 'stream_exists' && actual >= 0n) ||
        (typeof expected === 'bigint' && actual === expected);
      if (!matches) throw mapAppendError({ message: 'wrong_expected_revision', detail: actual.toString() }, streamName, expected);
      await client.query(
        `INSERT INTO es_streams (stream_name, revision, deleted) VALUES ($1, -1, true)
         ON CONFLICT (stream_name) DO UPDATE SET deleted = true`,
        [streamName],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error instanceof StreamDeletedError || error instanceof Error && error.name === 'WrongExpectedRevisionError' ? error : mapReadError(error);
    } finally {
      client.release();
    }
  }

  private closed: Promise<void> | undefined;

  /** Idempotent: closing twice is harmless. */
  close(): Promise<void> {
    this.closed ??= this.ownsPool ? this.pool.end() : Promise.resolve();
    return this.closed;
  }

  private async readAllBatch(from: Position | undefined, maxCount: number, filter: EventFilter | undefined, backwards: boolean): Promise<RecordedEvent[]> {
    const params: unknown[] = [maxCount];
    const where = [VISIBLE, "event_type NOT LIKE '$%'"];
    if (from) {
      params.push(from.commit.toString(), from.prepare.toString());
      where.push(`(transaction_id, global_sequence) ${backwards ? '<' : '>'} ($2::xid8, $3::bigint)`);
    }
    if (filter?.eventTypes?.length) {
      params.push(filter.eventTypes);
      where.push(`event_type = ANY ($${params.length}::text[])`);
    }
    if (filter?.streamPrefixes?.length) {
      params.push(filter.streamPrefixes.map((prefix) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
      where.push(`stream_name LIKE ANY ($${params.length}::text[])`);
    }
    const order = backwards ? 'DESC' : 'ASC';
    try {
      const { rows } = await this.pool.query<EventRow>({
        ...prepared(`SELECT ${EVENT_COLUMNS} FROM es_events WHERE ${where.join(' AND ')}
          ORDER BY transaction_id ${order}, global_sequence ${order} LIMIT $1`),
        values: params,
      });
      return rows.map(toRecordedEvent);
    } catch (error) {
      throw mapReadError(error);
    }
  }
}

/**
 * A named statement: PostgreSQL parses and plans it once per connection instead of on every call (the hot paths run
 * thousands of times a second). The name is derived from the text, so one name never stands for two statements.
 */
function prepared(text: string): { name: string; text: string } {
  return { name: `es_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text };
}

function validateAppend(streamName: string, events: NewEvent[]): void {
  if (!streamName || streamName.startsWith('$')) throw new InvalidAppendError('a stream name must be non-empty and not start with $');
  if (events.length === 0) throw new InvalidAppendError('an append needs at least one event');
  if (new Set(events.map((event) => event.id)).size !== events.length) throw new InvalidAppendError('event ids repeat within one append');
}

export function createPostgresEventStore(connectionString: string, poolConfig?: PoolConfig): PostgresEventStore {
  return new PostgresEventStore({ connectionString, poolConfig });
}
