import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  START,
  StreamNotFoundError,
  type ReadRevision,
  type ResolvedEvent,
  streamNameFilter,
  eventTypeFilter,
} from '@eventstore/db-client';
import { EventStoreUnavailableError } from '../errors';
import type {
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
} from '../event-store.port';
import { type EventFilter, matchesFilter } from '../filter';
import { comparePositions, type Position } from '../position';
import { isConnectionError, mapEsdbError } from './esdb-errors';

type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** EventStoreDB (or KurrentDB) behind the port, through `@eventstore/db-client`. Chosen when EVENTSTORE_URL is set. */
export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private closed: Promise<void> | undefined;

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  async appendToStream(streamName: string, events: NewEvent[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    try {
      const result = await this.client.appendToStream(
        streamName,
        events.map((event) => jsonEvent({ id: event.id, type: event.type, data: event.data as never, metadata: event.metadata as never })),
        { expectedRevision: expected as ExpectedVersion },
      );
      if (!result.position) throw new Error('EventStoreDB returned no position for an append');
      return { nextExpectedRevision: result.nextExpectedRevision, position: result.position };
    } catch (error) {
      throw mapEsdbError(error, streamName, expected);
    }
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const fromRevision: ReadRevision = options.fromRevision ?? (backwards ? END : START);
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamName, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision,
        ...(options.maxCount !== undefined ? { maxCount: BigInt(options.maxCount) } : {}),
      })) {
        const event = toRecordedEvent(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw mapEsdbError(error, streamName);
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const wanted = options.maxCount ?? 4096;
    const events: RecordedEvent[] = [];
    let from: Position | undefined = options.from;
    // The client reads $all without filters, and its position is inclusive: page, skip the start, filter here.
    for (;;) {
      const page: RecordedEvent[] = [];
      try {
        for await (const resolved of this.client.readAll({
          direction: backwards ? BACKWARDS : FORWARDS,
          fromPosition: from ?? (backwards ? END : START),
          maxCount: 512,
        })) {
          const event = toRecordedEvent(resolved);
          if (event) page.push(event);
        }
      } catch (error) {
        throw mapEsdbError(error, '$all');
      }
      const fresh = from ? page.filter((event) => (backwards ? comparePositions(event.position, from!) < 0 : comparePositions(event.position, from!) > 0)) : page;
      for (const event of fresh) {
        if (matchesFilter(options.filter, event)) events.push(event);
        if (events.length >= wanted) return events;
      }
      if (fresh.length === 0) return events;
      from = fresh[fresh.length - 1]!.position;
    }
  }

  async headPosition(): Promise<Position | undefined> {
    const [last] = await this.readAll({ direction: 'backwards', maxCount: 1 });
    return last?.position;
  }

  subscribeToAll(options: SubscribeToAllOptions): Subscription {
    return new EsdbCatchUpSubscription(this.client, options);
  }

  async deleteStream(streamName: string, options: { expectedRevision?: ExpectedRevision } = {}): Promise<void> {
    const expected = options.expectedRevision ?? 'any';
    try {
      await this.client.tombstoneStream(streamName, { expectedRevision: expected as never });
    } catch (error) {
      throw mapEsdbError(error, streamName, expected);
    }
  }

  close(): Promise<void> {
    this.closed ??= this.client.dispose();
    return this.closed;
  }
}

export function createEsdbEventStore(connectionString: string): EsdbEventStore {
  return new EsdbEventStore(connectionString);
}

/** A client event as the port's event; undefined for what the port never shows (system events, link events). */
function toRecordedEvent(resolved: ResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || event.type.startsWith('$') || !event.position) return undefined;
  return {
    id: event.id,
    type: event.type,
    streamName: event.streamId,
    revision: event.revision,
    position: event.position,
    data: event.data,
    metadata: (event.metadata ?? { occurredAt: event.created.toISOString() }) as EventMetadata,
  };
}

/** One server-side filter (EventStoreDB takes one); the rest of the port's filter is applied here. */
function serverFilter(filter: EventFilter | undefined) {
  if (filter?.streamPrefixes?.length) return streamNameFilter({ prefixes: [...filter.streamPrefixes] });
  if (filter?.eventTypes?.length) return eventTypeFilter({ prefixes: [...filter.eventTypes] });
  return eventTypeFilter({ regex: '^[^$]' });
}

/**
 * A catch-up subscription to $all: batches what the client has buffered (up to maxBatchSize), waits for the handler,
 * and on a dropped connection resubscribes from the last delivered position with backoff.
 */
class EsdbCatchUpSubscription implements Subscription {
  readonly caughtUp: Promise<void>;
  private resolveCaughtUp!: () => void;
  private rejectCaughtUp!: (error: Error) => void;
  private isCaughtUp = false;
  private stopped = false;
  private current: ReturnType<EventStoreDBClient['subscribeToAll']> | undefined;
  private readonly loop: Promise<void>;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: SubscribeToAllOptions,
  ) {
    this.caughtUp = new Promise((resolve, reject) => {
      this.resolveCaughtUp = resolve;
      this.rejectCaughtUp = reject;
    });
    this.caughtUp.catch(() => undefined);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.current?.unsubscribe().catch(() => undefined);
    await this.loop;
  }

  private markCaughtUp(): void {
    if (this.isCaughtUp) return;
    this.isCaughtUp = true;
    this.options.onCaughtUp?.();
    this.resolveCaughtUp();
  }

  private async run(): Promise<void> {
    let checkpoint = this.options.from;
    let backoff = 100;
    const max = this.options.maxBatchSize ?? 500;
    while (!this.stopped) {
      const subscription = this.client.subscribeToAll({ fromPosition: checkpoint ?? START, filter: serverFilter(this.options.filter) });
      this.current = subscription;
      let serverCaughtUp = false;
      subscription.on('caughtUp', () => {
        serverCaughtUp = true;
        if (subscription.readableLength === 0) this.markCaughtUp();
      });
      let batch: RecordedEvent[] = [];
      try {
        for await (const resolved of subscription) {
          if (this.stopped) break;
          backoff = 100;
          const event = toRecordedEvent(resolved);
          if (event && matchesFilter(this.options.filter, event)) batch.push(event);
          if (batch.length >= max || subscription.readableLength === 0) {
            if (batch.length > 0) {
              const delivered = batch;
              batch = [];
              const last = delivered[delivered.length - 1]!.position;
              try {
                await this.options.handle({ events: delivered, checkpoint: last });
              } catch (error) {
                return this.fail(error);
              }
              checkpoint = last;
            }
            if (serverCaughtUp && subscription.readableLength === 0) this.markCaughtUp();
          }
        }
        if (this.stopped) return;
      } catch (error) {
        if (this.stopped) return;
        if (!isConnectionError(error) && !(error instanceof EventStoreUnavailableError)) return this.fail(error);
      } finally {
        await subscription.unsubscribe().catch(() => undefined);
      }
      // The connection dropped (or the stream ended): resubscribe from what was delivered, after a pause.
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 5_000);
    }
  }

  private fail(error: unknown): void {
    this.stopped = true;
    const asError = error instanceof Error ? error : new Error(String(error));
    this.options.onError?.(asError);
    if (!this.isCaughtUp) this.rejectCaughtUp(asError);
  }
}
