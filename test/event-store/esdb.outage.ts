/**
 * One scenario for every outage of an EventStoreDB server or cluster: a subscriber runs while a writer appends, each
 * event on a new stream with `no_stream`, and the outage starts at the 100th event. The writer retries what failed,
 * the same event with the same expected revision, as a caller that may not know whether an append happened must:
 * an exact revision is what makes the retry of one that did land a recognised repeat, even after the server lost
 * its memory of recent ids (with `any` it would be appended twice).
 */
import { randomUUID } from 'node:crypto';
import { comparePositions, EventStoreUnavailableError, type EventStore, type SubscriptionBatch } from '@accounts/event-store';
import { newEvent } from './conformance';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface OutageRun {
  /** Event ids in the order their appends succeeded. */
  appended: string[];
  /** Every error an append met. */
  failures: unknown[];
}

/**
 * Runs the scenario and checks what callers rely on: appends in the outage fail retryable; the subscriber resumes
 * after its last batch and sees every event exactly once, in order.
 */
export async function appendAndSubscribeThroughOutage(
  writer: EventStore,
  reader: EventStore,
  outage: () => Promise<void>,
  total = 300,
): Promise<OutageRun> {
  const batches: SubscriptionBatch[] = [];
  const subscription = reader.subscribeToAll({ maxBatchSize: 20, handle: async (batch) => void batches.push(batch) });
  await subscription.caughtUp;
  const seen = () => batches.flatMap((batch) => batch.events.map((event) => event.id));

  const appended: string[] = [];
  const failures: unknown[] = [];
  let outageDone: Promise<void> | undefined;
  for (let i = 0; i < total; i++) {
    if (i === 100) outageDone = outage();
    const event = newEvent('Survived', { i });
    const stream = `thing-${randomUUID()}`;
    for (;;) {
      try {
        await writer.appendToStream(stream, [event], { expectedRevision: 'no_stream' });
        break;
      } catch (error) {
        failures.push(error);
        await sleep(100);
      }
    }
    appended.push(event.id);
    if (i < 100) await sleep(2); // let the subscriber deliver some batches before the outage
  }
  await outageDone;

  expect(failures.length).toBeGreaterThan(0);
  for (const failure of failures) {
    expect(failure).toBeInstanceOf(EventStoreUnavailableError);
    expect((failure as EventStoreUnavailableError).retryable).toBe(true);
  }
  for (let i = 0; i < 600 && seen().length < total; i++) await sleep(50);
  await sleep(300); // anything delivered twice would arrive now
  expect(seen()).toEqual(appended); // each once, in order, none missed
  for (let i = 1; i < batches.length; i++) {
    expect(comparePositions(batches[i]!.events[0]!.position, batches[i - 1]!.checkpoint)).toBeGreaterThan(0);
  }
  await subscription.stop();
  return { appended, failures };
}
