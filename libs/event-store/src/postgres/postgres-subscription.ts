import type { RecordedEvent, SubscribeToAllOptions, Subscription } from '../event-store.port';
import type { Position } from '../position';
import { EventStoreUnavailableError } from '../errors';
import { waitForAppend } from './append-signal';

export interface SubscriptionSource {
  database: string;
  readBatch(after: Position | undefined, maxCount: number, options: SubscribeToAllOptions): Promise<RecordedEvent[]>;
}

/** How long a live subscriber sleeps between polls when nothing new came (an in-process append wakes it sooner). */
const IDLE_POLL_MS = 25;
const MAX_BACKOFF_MS = 5_000;

/**
 * A catch-up subscription to $all: reads batches from the checkpoint, hands each to the handler and waits for it,
 * reports caught-up at the first short batch, then polls. Connection failures are retried with backoff from the
 * last delivered position; a handler error ends the subscription.
 */
export function subscribeToAll(source: SubscriptionSource, options: SubscribeToAllOptions): Subscription {
  const maxCount = options.maxBatchSize ?? 500;
  let stopped = false;
  let cancelWait: (() => void) | undefined;
  let resolveCaughtUp!: () => void;
  let rejectCaughtUp!: (error: Error) => void;
  let isCaughtUp = false;
  const caughtUp = new Promise<void>((resolve, reject) => {
    resolveCaughtUp = resolve;
    rejectCaughtUp = reject;
  });
  caughtUp.catch(() => undefined); // callers that never await it must not see an unhandled rejection

  const sleep = (ms: number) => {
    const wait = waitForAppend(source.database, ms);
    cancelWait = wait.cancel;
    return wait.promise;
  };

  const loop = (async () => {
    let checkpoint = options.from;
    let backoff = 100;
    while (!stopped) {
      let events: RecordedEvent[];
      try {
        events = await source.readBatch(checkpoint, maxCount, options);
        backoff = 100;
      } catch (error) {
        if (stopped) break;
        if (error instanceof EventStoreUnavailableError) {
          await new Promise((resolve) => setTimeout(resolve, backoff));
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
          continue;
        }
        fail(error);
        break;
      }
      if (stopped) break;
      if (events.length > 0) {
        const last = events[events.length - 1]!;
        try {
          await options.handle({ events, checkpoint: last.position });
        } catch (error) {
          fail(error);
          break;
        }
        checkpoint = last.position;
      }
      if (events.length < maxCount) {
        if (!isCaughtUp) {
          isCaughtUp = true;
          options.onCaughtUp?.();
          resolveCaughtUp();
        }
        if (!stopped) await sleep(IDLE_POLL_MS);
      }
    }
  })();

  function fail(error: unknown): void {
    stopped = true;
    const asError = error instanceof Error ? error : new Error(String(error));
    options.onError?.(asError);
    if (!isCaughtUp) rejectCaughtUp(asError);
  }

  return {
    caughtUp,
    async stop() {
      stopped = true;
      cancelWait?.();
      await loop;
    },
  };
}
