import { BACKWARDS, END, EventStoreDBClient, FORWARDS, NotLeaderError, START, StreamNotFoundError } from '@eventstore/db-client';
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
import { matchesFilter } from '../filter';
import { comparePositions, isAfter, type Position } from '../position';
import { mapEsdbError } from './esdb-errors';
import { toEventData, toRecordedEvent } from './esdb-events';
import { toClientExpectedRevision } from './esdb-expected-revision';
import { serverSendsCaughtUp } from './esdb-server-version';
import { EsdbSubscription, type CaughtUpTarget } from './esdb-subscription';
import { readStreamInPages, type StreamPage } from '../stream-pages';

/** Same default as the PostgreSQL adapter: a read of $all without maxCount is a page, not the whole store. */
const DEFAULT_READ_COUNT = 4096;
/** Events fetched per round trip when reading $all, which the client reads without a filter. */
const READ_ALL_PAGE = 512;

/** EventStoreDB (or KurrentDB) behind the port, through `@eventstore/db-client`. Chosen when EVENTSTORE_URL is set. */
export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private closing: Promise<void> | undefined;

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  async appendToStream(streamName: string, events: NewEvent[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    // requiresLeader: a follower answers NotLeader with the leader's address, which the client reconnects to (without
    // it, a follower forwards the write and the client stays on a node that may lag behind in reads).
    const append = () =>
      this.client.appendToStream(streamName, events.map(toEventData), { expectedRevision: toClientExpectedRevision(expected), requiresLeader: true });
    try {
      // A follower refuses a write before doing anything, and the client has reconnected to the leader it named:
      // trying once more there is safe and spares the caller a failure for a leader change.
      const result = await append().catch((error: unknown) => {
        if (error instanceof NotLeaderError) return append();
        throw error;
      });
      // Servers before 20.6 left the position out; the port needs it (and no supported server omits it).
      if (!result.position) throw new Error('EventStoreDB returned no position for an append');
      return { nextExpectedRevision: result.nextExpectedRevision, position: result.position };
    } catch (error) {
      throw mapEsdbError(error, streamName, expected);
    }
  }

  /** The whole stream (or `maxCount` events), a page per request: a long stream is never cut short. */
  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    return readStreamInPages(options, async (fromRevision, count) => {
      const page: StreamPage = { events: [], lastRevision: undefined, scanned: 0 };
      try {
        for await (const resolved of this.client.readStream(streamName, {
          direction: backwards ? BACKWARDS : FORWARDS,
          fromRevision: fromRevision ?? (backwards ? END : START),
          maxCount: BigInt(count),
        })) {
          page.scanned++;
          page.lastRevision = resolved.event?.revision ?? page.lastRevision;
          const event = toRecordedEvent(resolved);
          if (event) page.events.push(event);
        }
      } catch (error) {
        if (error instanceof StreamNotFoundError) return page;
        throw mapEsdbError(error, streamName);
      }
      return page;
    });
  }

  /**
   * The client (6.x) reads $all without a server-side filter, and a read from a position includes it: so page
   * through $all, drop what is at or beyond `from`, filter here (system events too), until maxCount events match.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const wanted = options.maxCount ?? DEFAULT_READ_COUNT;
    const events: RecordedEvent[] = [];
    let from: Position | undefined = options.from;
    while (events.length < wanted) {
      let scanned = 0;
      let last: Position | undefined;
      try {
        for await (const resolved of this.client.readAll({
          direction: backwards ? BACKWARDS : FORWARDS,
          fromPosition: from ?? (backwards ? END : START),
          maxCount: READ_ALL_PAGE,
        })) {
          scanned++;
          const position = resolved.event?.position;
          if (!position || (from && (backwards ? comparePositions(position, from) >= 0 : comparePositions(position, from) <= 0))) continue;
          // Paging follows raw positions, so a page of nothing but system events does not end the read early.
          last = position;
          const event = toRecordedEvent(resolved);
          if (event && matchesFilter(options.filter, event) && events.length < wanted) events.push(event);
        }
      } catch (error) {
        throw mapEsdbError(error, '$all');
      }
      if (!last || scanned < READ_ALL_PAGE) return events;
      from = last;
    }
    return events;
  }

  async headPosition(): Promise<Position | undefined> {
    const [last] = await this.readAll({ direction: 'backwards', maxCount: 1 });
    return last?.position;
  }

  subscribeToAll(options: SubscribeToAllOptions): Subscription {
    return new EsdbSubscription(this.client, options, () => this.caughtUpTarget(options));
  }

  /** Servers before 23.10 never say a subscription caught up: it has once it delivers the last matching event of now. */
  private async caughtUpTarget(options: SubscribeToAllOptions): Promise<CaughtUpTarget> {
    if (await serverSendsCaughtUp(this.client)) return 'server';
    const [last] = await this.readAll({ direction: 'backwards', maxCount: 1, ...(options.filter ? { filter: options.filter } : {}) });
    if (!last || (options.from && !isAfter(last.position, options.from))) return { position: undefined };
    return { position: last.position };
  }

  async deleteStream(streamName: string, options: { expectedRevision?: ExpectedRevision } = {}): Promise<void> {
    const expected = options.expectedRevision ?? 'any';
    try {
      // The client's typing leaves stream_exists out of tombstone options, but its code sends it (6.2.1).
      await this.client.tombstoneStream(streamName, { expectedRevision: toClientExpectedRevision(expected) as never, requiresLeader: true });
    } catch (error) {
      throw mapEsdbError(error, streamName, expected);
    }
  }

  /** Idempotent: every call waits for the same disposal. */
  close(): Promise<void> {
    this.closing ??= this.client.dispose();
    return this.closing;
  }
}

export function createEsdbEventStore(connectionString: string): EsdbEventStore {
  return new EsdbEventStore(connectionString);
}
