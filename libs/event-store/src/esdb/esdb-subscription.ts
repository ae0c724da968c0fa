import { START, type AllStreamResolvedEvent, type AllStreamSubscription, type EventStoreDBClient, type Position as EsdbPosition } from '@eventstore/db-client';
import type { RecordedEvent, SubscribeToAllOptions, Subscription } from '../event-store.port';
import { matchesFilter } from '../filter';
import { isAfter, type Position } from '../position';
import { isConnectionError } from './esdb-errors';
import { toRecordedEvent } from './esdb-events';
import { serverSideFilter } from './esdb-filters';

/**
 * Where a subscription has caught up when the server never says so (servers before 23.10): the position of the
 * last event it must deliver, as of subscribing (undefined: nothing to deliver). `'server'`: the server says.
 */
export type CaughtUpTarget = 'server' | { position: Position | undefined };

const DEFAULT_MAX_BATCH = 500;
const INITIAL_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/**
 * What the server says besides events, put into the event stream in the order it arrived. The client reports
 * caught-up and checkpoints as side-channel callbacks while earlier events may still sit in its buffer; a marker
 * in the stream tells exactly which events came before it.
 */
type Marker = { readonly marker: 'caught-up' } | { readonly marker: 'checkpoint'; readonly position: Position };
type Item = AllStreamResolvedEvent | Marker;

const isMarker = (item: Item): item is Marker => 'marker' in item;

/**
 * A catch-up subscription to $all on the client's streaming subscription: batches what the client has buffered (up
 * to maxBatchSize) and hands each to the handler, reading on only once it settles. A dropped connection never ends
 * it: it resubscribes, with backoff, from the last position it knows everything up to; so does a server that ends
 * the call because this consumer is too slow (up to 23.10; later servers read on from the log themselves). A
 * handler error ends it.
 */
export class EsdbSubscription implements Subscription {
  readonly caughtUp: Promise<void>;
  private resolveCaughtUp!: () => void;
  private rejectCaughtUp!: (error: Error) => void;
  private isCaughtUp = false;
  private stopped = false;
  private current: AllStreamSubscription | undefined;
  private wake: (() => void) | undefined;
  private readonly loop: Promise<void>;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: SubscribeToAllOptions,
    private readonly caughtUpTarget: () => Promise<CaughtUpTarget>,
  ) {
    this.caughtUp = new Promise((resolve, reject) => {
      this.resolveCaughtUp = resolve;
      this.rejectCaughtUp = reject;
    });
    this.caughtUp.catch(() => undefined); // callers that never await it must not see an unhandled rejection
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const subscription = this.current;
    if (subscription) {
      await subscription.unsubscribe().catch(() => undefined);
      // A cancelled call does not always end the client's stream; ending it here lets the loop's read finish.
      subscription.destroy();
    }
    await this.loop;
  }

  private async run(): Promise<void> {
    // Everything up to here has been delivered (or was filtered out): where a new subscription starts, exclusive.
    let resumeFrom = this.options.from;
    let backoff = INITIAL_BACKOFF_MS;
    const maxBatch = this.options.maxBatchSize ?? DEFAULT_MAX_BATCH;
    let target: CaughtUpTarget | undefined;
    while (!this.stopped) {
      try {
        target ??= await this.caughtUpTarget();
      } catch (error) {
        if (!isConnectionError(error)) return this.fail(error);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      /** Whether everything up to `position` includes the last event there was to catch up with. */
      const reaches = (position: Position | undefined) =>
        target !== 'server' && (target!.position === undefined || (position !== undefined && !isAfter(target!.position, position)));
      if (reaches(resumeFrom)) this.markCaughtUp();
      const subscription: AllStreamSubscription = this.client.subscribeToAll({
        fromPosition: resumeFrom ?? START,
        filter: serverSideFilter(this.options.filter, (position: EsdbPosition) => void subscription.push({ marker: 'checkpoint', position } satisfies Marker)),
      });
      this.current = subscription;
      subscription.on('caughtUp', () => void subscription.push({ marker: 'caught-up' } satisfies Marker));
      let batch: RecordedEvent[] = [];
      let caughtUpSeen = false;
      try {
        for await (const item of subscription as AsyncIterable<Item>) {
          if (this.stopped) break;
          backoff = INITIAL_BACKOFF_MS;
          if (isMarker(item)) {
            if (item.marker === 'caught-up') caughtUpSeen = true;
            // The server got this far through events it filtered out: resume from there rather than re-scan them.
            else if (batch.length === 0 && (!resumeFrom || isAfter(item.position, resumeFrom))) {
              resumeFrom = item.position;
              if (reaches(resumeFrom)) this.markCaughtUp();
            }
          } else {
            const position = item.event?.position;
            // Never deliver at or before the resume point again, whatever the server's notion of "from" is.
            const fresh = position !== undefined && (!resumeFrom || isAfter(position, resumeFrom));
            const event = fresh ? toRecordedEvent(item) : undefined;
            if (event && matchesFilter(this.options.filter, event)) batch.push(event);
            else if (fresh && batch.length === 0) resumeFrom = position;
          }
          // Deliver what is buffered now, the whole of history before caught-up, and never more than maxBatch.
          const historyDone = !this.isCaughtUp && (caughtUpSeen || (batch.length > 0 && reaches(batch[batch.length - 1]!.position)));
          if (batch.length >= maxBatch || subscription.readableLength === 0 || historyDone) {
            if (batch.length > 0) {
              const events = batch;
              batch = [];
              const checkpoint = events[events.length - 1]!.position;
              try {
                await this.options.handle({ events, checkpoint });
              } catch (error) {
                return this.fail(error);
              }
              resumeFrom = checkpoint;
            }
            if (caughtUpSeen || reaches(resumeFrom)) this.markCaughtUp();
          }
        }
      } catch (error) {
        if (this.stopped) return;
        if (!isConnectionError(error)) return this.fail(error);
      } finally {
        this.current = undefined;
        await subscription.unsubscribe().catch(() => undefined);
      }
      if (this.stopped) return;
      // The connection dropped (or the server ended the call): what was buffered but not delivered is read again.
      await this.sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  private markCaughtUp(): void {
    if (this.isCaughtUp) return;
    this.isCaughtUp = true;
    this.options.onCaughtUp?.();
    this.resolveCaughtUp();
  }

  private fail(error: unknown): void {
    this.stopped = true;
    const asError = error instanceof Error ? error : new Error(String(error));
    this.options.onError?.(asError);
    if (!this.isCaughtUp) this.rejectCaughtUp(asError);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
