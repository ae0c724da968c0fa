/**
 * A projector slower than the writers: a handler taking 20 ms a batch while 5,000 appends run at once, on 8
 * clients. Whatever the server does about it (end the call, or read on from the log), the handler must see every
 * event once, in order, and no error. Run on the double in every version mode and, with EVENTSTORE_URL, on a real server.
 */
import { randomUUID } from 'node:crypto';
import { comparePositions, type EventStore, type Position, type SubscriptionBatch } from '@accounts/event-store';
import { newEvent } from './conformance';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function slowHandlerUnderConcurrentAppends(open: () => EventStore, from?: Position, total = 5_000): Promise<void> {
  const writers = Array.from({ length: 8 }, open);
  const reader = open();
  try {
    const before = newEvent('Before');
    await writers[0]!.appendToStream(`thing-${randomUUID()}`, [before]);
    const batches: SubscriptionBatch[] = [];
    const errors: Error[] = [];
    const subscription = reader.subscribeToAll({
      ...(from ? { from } : {}),
      maxBatchSize: 50,
      handle: async (batch) => {
        batches.push(batch);
        await sleep(20);
      },
      onError: (error) => errors.push(error),
    });
    await subscription.caughtUp;
    expect(batches.flatMap((batch) => batch.events.map((event) => event.id))).toContain(before.id);

    const appended = await Promise.all(
      Array.from({ length: total }, async (_, i) => {
        const event = newEvent('Concurrent', { i });
        await writers[i % writers.length]!.appendToStream(`thing-${randomUUID()}`, [event]);
        return event.id;
      }),
    );
    const wanted = new Set(appended);
    const delivered = () => batches.flatMap((batch) => batch.events).filter((event) => wanted.has(event.id));
    for (let i = 0; i < 1_200 && delivered().length < total; i++) await sleep(100);
    await sleep(300); // anything delivered twice would arrive now

    const events = delivered();
    expect(errors).toEqual([]);
    expect(events).toHaveLength(total);
    expect(new Set(events.map((event) => event.id))).toEqual(wanted);
    for (let i = 1; i < events.length; i++) expect(comparePositions(events[i - 1]!.position, events[i]!.position)).toBeLessThan(0);
    await subscription.stop();
  } finally {
    await Promise.all([...writers, reader].map((store) => store.close()));
  }
}
