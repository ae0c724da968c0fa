import type { EventCodec } from '@accounts/event-codec';
import type { EventStore, Position, RecordedEvent } from '@accounts/event-store';
import {
  INTEGRATION_EVENT_TYPES,
  type IntegrationEvent,
  type IntegrationEventType,
  integrationEventsOf,
  sourceTypesOf,
} from '@accounts/integration-events';

export interface FeedPage {
  items: IntegrationEvent[];
  /** Everything up to here has been looked at: the next read starts after it (the request's own when nothing was). */
  next: Position | undefined;
}

export interface FeedRequest {
  after: Position | undefined;
  types: readonly IntegrationEventType[] | undefined;
  limit: number;
  /** 0: answer at once. Otherwise an empty page waits (up to this long) for the next matching event. */
  waitMs: number;
}

/**
 * The feed of integration events over $all, oldest first. It reads the store's $all filtered on the domain types
 * that publish what was asked for, so events no one publishes (logins, sessions) never fill a page. The store's
 * $all is what keeps the cursor exact: PostgreSQL shows an event only once every older transaction has ended, in
 * (transaction, sequence) order, so a page never passes an event that is still to commit behind it; EventStoreDB's
 * log has one order to begin with. Reading after the last position looked at then never repeats one either.
 */
export class EventFeed {
  constructor(
    private readonly store: EventStore,
    private readonly codec: EventCodec,
  ) {}

  async read(request: FeedRequest): Promise<FeedPage> {
    const eventTypes = sourceTypesOf(request.types ?? INTEGRATION_EVENT_TYPES);
    const events = await this.store.readAll({ from: request.after, maxCount: request.limit, filter: { eventTypes } });
    const page = await this.pageOf(events, request.after);
    if (events.length > 0 || request.waitMs === 0) return page;
    return this.waitForNext(request, eventTypes);
  }

  /**
   * Waits through the store's own subscription (PostgreSQL: woken by an append in this process, polling for other
   * processes' appends; EventStoreDB: pushed by the server), so an event is answered as soon as the store shows it
   * and an idle wait costs no loop of ours. Batches whose events publish nothing (undecodable ones) move the cursor on.
   */
  private waitForNext(request: FeedRequest, eventTypes: string[]): Promise<FeedPage> {
    return new Promise<FeedPage>((resolve, reject) => {
      let result: FeedPage = { items: [], next: request.after };
      let settled = false;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        void subscription.stop().then(
          () => (error ? reject(error) : resolve(result)),
          () => (error ? reject(error) : resolve(result)),
        );
      };
      const timer = setTimeout(() => finish(), request.waitMs);
      const subscription = this.store.subscribeToAll({
        ...(request.after ? { from: request.after } : {}),
        filter: { eventTypes },
        maxBatchSize: request.limit,
        handle: async (batch) => {
          if (settled) return;
          const page = await this.pageOf(batch.events, request.after);
          if (settled) return;
          result = { items: page.items, next: batch.checkpoint };
          if (page.items.length > 0) finish();
        },
        onError: (error) => finish(error),
      });
    });
  }

  private async pageOf(events: RecordedEvent[], after: Position | undefined): Promise<FeedPage> {
    const decoded = await this.codec.decodeEach(events, { keepSecrets: true });
    return { items: decoded.flatMap((outcome) => integrationEventsOf(outcome, outcome.recorded)), next: events.at(-1)?.position ?? after };
  }
}
