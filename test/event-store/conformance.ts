/**
 * The event store contract. Every adapter runs this suite (`describeEventStoreConformance`); a behaviour callers rely
 * on belongs here, not in an adapter's own tests.
 */
import { randomUUID } from 'node:crypto';
import {
  comparePositions,
  type EventStore,
  type NewEvent,
  type Position,
  type RecordedEvent,
  StreamDeletedError,
  type SubscriptionBatch,
  WrongExpectedRevisionError,
} from '@accounts/event-store';

/** A fresh, empty backing store for one test; `open` returns a new client (a new connection) on it each time. */
export interface ConformanceBacking {
  open(): Promise<EventStore>;
  teardown(): Promise<void>;
}

export interface ConformanceTarget {
  name: string;
  setup(): Promise<ConformanceBacking>;
  /** Skip the heavy concurrency cases (never on CI's default targets). */
  light?: boolean;
}

export function newEvent(type = 'ThingHappened', data: Record<string, unknown> = {}): NewEvent {
  return {
    id: randomUUID(),
    type,
    data: { value: randomUUID(), ...data },
    metadata: { occurredAt: new Date().toISOString(), correlationId: randomUUID(), actorId: randomUUID(), service: 'conformance' },
  };
}

const streamName = (prefix = 'thing') => `${prefix}-${randomUUID()}`;

async function expectRejection<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected a ${type.name}, but the call succeeded`);
}

/** Collects what a subscription delivers, and resolves `until` once `predicate` holds. */
function collector() {
  const events: RecordedEvent[] = [];
  const batches: SubscriptionBatch[] = [];
  const waiters: { predicate: () => boolean; resolve: () => void }[] = [];
  return {
    events,
    batches,
    async handle(batch: SubscriptionBatch) {
      batches.push(batch);
      events.push(...batch.events);
      for (const waiter of waiters.filter((w) => w.predicate())) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
    until(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out with ${events.length} events delivered`)), timeoutMs);
        waiters.push({ predicate, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
  };
}

function expectStrictlyIncreasing(positions: Position[]): void {
  for (let i = 1; i < positions.length; i++) {
    if (comparePositions(positions[i - 1]!, positions[i]!) >= 0) {
      throw new Error(`positions out of order at index ${i}`);
    }
  }
}

export function describeEventStoreConformance(target: ConformanceTarget): void {
  describe(`event store conformance: ${target.name}`, () => {
    jest.setTimeout(120_000);
    let backing: ConformanceBacking;
    let store: EventStore;
    const extraClients: EventStore[] = [];

    beforeEach(async () => {
      backing = await target.setup();
      store = await backing.open();
    });

    afterEach(async () => {
      await Promise.all(extraClients.splice(0).map((client) => client.close()));
      await store.close();
      await backing.teardown();
    });

    async function openAnother(): Promise<EventStore> {
      const client = await backing.open();
      extraClients.push(client);
      return client;
    }

    describe('append and read a stream', () => {
      test('events come back in order with their revision, position, data and metadata', async () => {
        const stream = streamName();
        const events = [newEvent('A', { n: 1, nested: { list: [1, 'two'] } }), newEvent('B'), newEvent('C')];
        const result = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(2n);

        const read = await store.readStream(stream);
        expect(read.map((e) => [e.id, e.type, e.revision, e.streamName])).toEqual(
          events.map((e, i) => [e.id, e.type, BigInt(i), stream]),
        );
        expect(read[0]!.data).toEqual(events[0]!.data);
        expect(read[0]!.metadata).toEqual(events[0]!.metadata);
        expectStrictlyIncreasing(read.map((e) => e.position));
        expect(comparePositions(read[2]!.position, result.position)).toBe(0);
      });

      test('a stream that does not exist reads as empty', async () => {
        expect(await store.readStream(streamName())).toEqual([]);
      });

      test('reads forwards and backwards from a revision, with a count', async () => {
        const stream = streamName();
        const events = Array.from({ length: 10 }, (_, i) => newEvent('Numbered', { i }));
        await store.appendToStream(stream, events);

        const forwards = await store.readStream(stream, { fromRevision: 3n, maxCount: 4 });
        expect(forwards.map((e) => e.revision)).toEqual([3n, 4n, 5n, 6n]);
        const backwards = await store.readStream(stream, { direction: 'backwards', fromRevision: 5n, maxCount: 3 });
        expect(backwards.map((e) => e.revision)).toEqual([5n, 4n, 3n]);
        const lastTwo = await store.readStream(stream, { direction: 'backwards', maxCount: 2 });
        expect(lastTwo.map((e) => e.revision)).toEqual([9n, 8n]);
        expect(await store.readStream(stream, { fromRevision: 10n })).toEqual([]);
      });

      test('streams are independent: revisions count per stream, positions across the store', async () => {
        const [a, b] = [streamName(), streamName()];
        const first = await store.appendToStream(a, [newEvent()]);
        const second = await store.appendToStream(b, [newEvent()]);
        const third = await store.appendToStream(a, [newEvent()]);
        expect([first.nextExpectedRevision, second.nextExpectedRevision, third.nextExpectedRevision]).toEqual([0n, 0n, 1n]);
        expectStrictlyIncreasing([first.position, second.position, third.position]);
      });
    });

    describe('long streams', () => {
      const LONG = 10_000;

      /** A stream of `LONG` events, appended in batches as commands would (each with the expected revision). */
      async function longStream(): Promise<{ stream: string; ids: string[] }> {
        const stream = streamName('long');
        const ids: string[] = [];
        for (let start = 0; start < LONG; start += 500) {
          const batch = Array.from({ length: 500 }, (_, i) => newEvent('Numbered', { i: start + i }));
          await store.appendToStream(stream, batch, { expectedRevision: start === 0 ? 'no_stream' : BigInt(start - 1) });
          ids.push(...batch.map((event) => event.id));
        }
        return { stream, ids };
      }

      test('a stream of 10,000 events reads whole, forwards and backwards, with nothing cut off', async () => {
        const { stream, ids } = await longStream();
        const forwards = await store.readStream(stream);
        expect(forwards.map((e) => e.id)).toEqual(ids);
        expect(forwards.map((e) => e.revision)).toEqual(ids.map((_, i) => BigInt(i)));
        const backwards = await store.readStream(stream, { direction: 'backwards' });
        expect(backwards.map((e) => e.id)).toEqual([...ids].reverse());
        const tail = await store.readStream(stream, { fromRevision: 3_000n });
        expect(tail.map((e) => e.revision)).toEqual(ids.slice(3_000).map((_, i) => BigInt(3_000 + i)));
        const counted = await store.readStream(stream, { fromRevision: 1_000n, maxCount: 5_000 });
        expect(counted.map((e) => e.revision)).toEqual(ids.slice(1_000, 6_000).map((_, i) => BigInt(1_000 + i)));
      });

      test('appends to a stream of 10,000 events take the expected revision its whole read gives', async () => {
        const { stream } = await longStream();
        const read = await store.readStream(stream);
        const last = read[read.length - 1]!.revision;
        expect(last).toBe(BigInt(LONG - 1));
        await expectRejection(store.appendToStream(stream, [newEvent()], { expectedRevision: 4_095n }), WrongExpectedRevisionError);
        const result = await store.appendToStream(stream, [newEvent('After')], { expectedRevision: last });
        expect(result.nextExpectedRevision).toBe(BigInt(LONG));
        const [newest] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
        expect([newest!.type, newest!.revision]).toEqual(['After', BigInt(LONG)]);
      });
    });

    describe('expected revision', () => {
      test('no_stream succeeds on a new stream and fails on an existing one, reporting its revision', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        const error = await expectRejection(
          store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' }),
          WrongExpectedRevisionError,
        );
        expect(error.streamName).toBe(stream);
        expect(error.actual).toBe(1n);
        expect(error.retryable).toBe(true);
      });

      test('stream_exists fails on a new stream and succeeds on an existing one', async () => {
        const stream = streamName();
        const error = await expectRejection(
          store.appendToStream(stream, [newEvent()], { expectedRevision: 'stream_exists' }),
          WrongExpectedRevisionError,
        );
        expect(error.actual).toBe('no_stream');
        await store.appendToStream(stream, [newEvent()]);
        const result = await store.appendToStream(stream, [newEvent()], { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1n);
      });

      test('an exact revision succeeds only when it is the current one', async () => {
        const stream = streamName();
        await expectRejection(store.appendToStream(stream, [newEvent()], { expectedRevision: 0n }), WrongExpectedRevisionError);
        await store.appendToStream(stream, [newEvent(), newEvent()]);
        const stale = await expectRejection(
          store.appendToStream(stream, [newEvent()], { expectedRevision: 0n }),
          WrongExpectedRevisionError,
        );
        expect(stale.actual).toBe(1n);
        const result = await store.appendToStream(stream, [newEvent()], { expectedRevision: 1n });
        expect(result.nextExpectedRevision).toBe(2n);
      });

      test('any always succeeds', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [newEvent()], { expectedRevision: 'any' });
        const result = await store.appendToStream(stream, [newEvent()], { expectedRevision: 'any' });
        expect(result.nextExpectedRevision).toBe(1n);
      });

      test('a failed append writes nothing', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [newEvent()]);
        await expectRejection(
          store.appendToStream(stream, [newEvent(), newEvent()], { expectedRevision: 'no_stream' }),
          WrongExpectedRevisionError,
        );
        expect(await store.readStream(stream)).toHaveLength(1);
      });
    });

    // What both stores give: a repeat is recognised where the expected revision says the events sit. With `any` or
    // `stream_exists` EventStoreDB recognises one only from a bounded in-memory cache (gone after a restart), so the
    // suite promises nothing there; callers that must not duplicate check ids themselves (the aggregate store does).
    describe('idempotent append', () => {
      test('a repeat of the same event ids with the same expected revision appends nothing and reports the first result', async () => {
        const stream = streamName();
        const events = [newEvent(), newEvent()];
        const first = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
        const repeat = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
        expect(repeat.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(comparePositions(repeat.position, first.position)).toBe(0);

        const more = [newEvent()];
        const third = await store.appendToStream(stream, more, { expectedRevision: 1n });
        const again = await store.appendToStream(stream, more, { expectedRevision: 1n });
        expect(again.nextExpectedRevision).toBe(2n);
        expect(comparePositions(again.position, third.position)).toBe(0);
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      test('a repeat at the same expected revision after later appends still appends nothing', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
        const events = [newEvent(), newEvent()];
        const first = await store.appendToStream(stream, events, { expectedRevision: 0n });
        await store.appendToStream(stream, [newEvent()], { expectedRevision: 2n });
        const repeat = await store.appendToStream(stream, events, { expectedRevision: 0n });
        expect(repeat.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(comparePositions(repeat.position, first.position)).toBe(0);
        expect(await store.readStream(stream)).toHaveLength(4);
      });
    });

    describe('$all', () => {
      test('reads forwards from a position (exclusive) and backwards from the end', async () => {
        const appended: RecordedEvent[] = [];
        for (let i = 0; i < 5; i++) {
          const stream = streamName();
          await store.appendToStream(stream, [newEvent('Numbered', { i })]);
          appended.push(...(await store.readStream(stream)));
        }
        const all = await store.readAll();
        expect(all.map((e) => e.id)).toEqual(appended.map((e) => e.id));
        expectStrictlyIncreasing(all.map((e) => e.position));

        const after = await store.readAll({ from: appended[1]!.position, maxCount: 2 });
        expect(after.map((e) => e.id)).toEqual([appended[2]!.id, appended[3]!.id]);

        const backwards = await store.readAll({ direction: 'backwards', maxCount: 2 });
        expect(backwards.map((e) => e.id)).toEqual([appended[4]!.id, appended[3]!.id]);
        const before = await store.readAll({ direction: 'backwards', from: appended[2]!.position });
        expect(before.map((e) => e.id)).toEqual([appended[1]!.id, appended[0]!.id]);
      });

      test('filters by event type and by stream prefix', async () => {
        await store.appendToStream(streamName('user'), [newEvent('UserRegistered'), newEvent('UserRenamed')]);
        await store.appendToStream(streamName('organization'), [newEvent('OrganizationCreated'), newEvent('UserRenamed')]);

        const byType = await store.readAll({ filter: { eventTypes: ['UserRenamed'] } });
        expect(byType.map((e) => e.type)).toEqual(['UserRenamed', 'UserRenamed']);
        const byPrefix = await store.readAll({ filter: { streamPrefixes: ['organization-'] } });
        expect(byPrefix.map((e) => e.type)).toEqual(['OrganizationCreated', 'UserRenamed']);
      });

      test('headPosition is the last event position, undefined when empty', async () => {
        expect(await store.headPosition()).toBeUndefined();
        await store.appendToStream(streamName(), [newEvent()]);
        const last = await store.appendToStream(streamName(), [newEvent(), newEvent()]);
        expect(comparePositions((await store.headPosition())!, last.position)).toBe(0);
      });
    });

    describe('deleted streams', () => {
      test('reads and appends of a deleted stream throw StreamDeletedError', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [newEvent()]);
        await store.deleteStream(stream);
        await expectRejection(store.readStream(stream), StreamDeletedError);
        const error = await expectRejection(store.appendToStream(stream, [newEvent()]), StreamDeletedError);
        expect(error.retryable).toBe(false);
      });
    });

    describe('catch-up subscription to $all', () => {
      test('delivers history, reports caught up, then turns live', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [newEvent('Old'), newEvent('Old')]);
        const seen = collector();
        let caughtUp = false;
        const subscription = store.subscribeToAll({ handle: seen.handle, onCaughtUp: () => (caughtUp = true) });
        await subscription.caughtUp;
        expect(caughtUp).toBe(true);
        expect(seen.events.map((e) => e.type)).toEqual(['Old', 'Old']);

        await store.appendToStream(stream, [newEvent('New')]);
        await seen.until(() => seen.events.length === 3);
        expect(seen.events.map((e) => e.type)).toEqual(['Old', 'Old', 'New']);
        for (const batch of seen.batches.filter((b) => b.events.length > 0)) {
          expect(comparePositions(batch.checkpoint, batch.events.at(-1)!.position)).toBeGreaterThanOrEqual(0);
        }
        await subscription.stop();
      });

      test('filters by event type and by stream prefix, history and live alike', async () => {
        await store.appendToStream(streamName('user'), [newEvent('UserRegistered'), newEvent('Noise')]);
        const byType = collector();
        const byPrefix = collector();
        const typeSub = store.subscribeToAll({ filter: { eventTypes: ['UserRegistered'] }, handle: byType.handle });
        const prefixSub = store.subscribeToAll({ filter: { streamPrefixes: ['organization-'] }, handle: byPrefix.handle });
        await Promise.all([typeSub.caughtUp, prefixSub.caughtUp]);
        await store.appendToStream(streamName('organization'), [newEvent('OrganizationCreated'), newEvent('UserRegistered')]);

        await byType.until(() => byType.events.length === 2);
        await byPrefix.until(() => byPrefix.events.length === 2);
        expect(byType.events.map((e) => e.streamName.split('-')[0])).toEqual(['user', 'organization']);
        expect(byPrefix.events.map((e) => e.type)).toEqual(['OrganizationCreated', 'UserRegistered']);
        await Promise.all([typeSub.stop(), prefixSub.stop()]);
      });

      test('resumes after a checkpoint without repeating what came before it', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [newEvent(), newEvent(), newEvent()]);
        const [, second] = await store.readStream(stream);
        const seen = collector();
        const subscription = store.subscribeToAll({ from: second!.position, handle: seen.handle });
        await subscription.caughtUp;
        expect(seen.events.map((e) => e.revision)).toEqual([2n]);
        await subscription.stop();
      });

      test('stop ends delivery', async () => {
        const seen = collector();
        const subscription = store.subscribeToAll({ handle: seen.handle });
        await subscription.caughtUp;
        await subscription.stop();
        await store.appendToStream(streamName(), [newEvent()]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(seen.events).toHaveLength(0);
      });

      test('a handler that throws ends the subscription through onError, and it delivers nothing more', async () => {
        await store.appendToStream(streamName(), [newEvent()]);
        const errors: Error[] = [];
        let calls = 0;
        const subscription = store.subscribeToAll({
          handle: async () => {
            calls++;
            throw new Error('projector bug');
          },
          onError: (error) => errors.push(error),
        });
        await expect(subscription.caughtUp).rejects.toThrow('projector bug');
        await store.appendToStream(streamName(), [newEvent()]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(calls).toBe(1);
        expect(errors.map((e) => e.message)).toEqual(['projector bug']);
        await subscription.stop();
      });

      test('respects maxBatchSize', async () => {
        await store.appendToStream(streamName(), Array.from({ length: 25 }, () => newEvent()));
        const seen = collector();
        const subscription = store.subscribeToAll({ maxBatchSize: 10, handle: seen.handle });
        await subscription.caughtUp;
        expect(seen.events).toHaveLength(25);
        expect(Math.max(...seen.batches.map((b) => b.events.length))).toBeLessThanOrEqual(10);
        await subscription.stop();
      });
    });

    // The light run (plain Append on the double) repeats only the semantics; the load cases
    // already run against the full double, so they are left out rather than skipped.
    if (!target.light) describe('under concurrency', () => {
      test('16 writers append 20,000 events while a live subscriber sees each exactly once, in order, with no gap', async () => {
        const writers = 16;
        const total = 20_000;
        const streams = Array.from({ length: 400 }, () => streamName('load'));
        const seen = collector();
        const subscriber = await openAnother();
        const subscription = subscriber.subscribeToAll({ maxBatchSize: 500, handle: seen.handle });
        await subscription.caughtUp;

        const clients = await Promise.all(Array.from({ length: writers }, () => openAnother()));
        const appendedIds: string[] = [];
        let next = 0;
        await Promise.all(
          clients.map(async (client, w) => {
            while (next < total) {
              // Mostly single-event commits, some small batches, across many streams, as a busy service makes them.
              const size = Math.min(next % 7 === 0 ? 3 : 1, total - next);
              next += size;
              const events = Array.from({ length: size }, () => newEvent('LoadTested', { w }));
              await client.appendToStream(streams[(next * 31 + w) % streams.length]!, events);
              appendedIds.push(...events.map((e) => e.id));
            }
          }),
        );
        expect(appendedIds).toHaveLength(total);
        await seen.until(() => seen.events.length >= total, 60_000);
        await new Promise((resolve) => setTimeout(resolve, 200));

        const ids = seen.events.map((e) => e.id);
        expect(new Set(ids).size).toBe(ids.length); // exactly once
        expect(ids.length).toBe(total);
        expect(new Set(ids)).toEqual(new Set(appendedIds)); // none missed
        expectStrictlyIncreasing(seen.events.map((e) => e.position)); // in order
        const revisions = new Map<string, bigint[]>();
        for (const event of seen.events) revisions.set(event.streamName, [...(revisions.get(event.streamName) ?? []), event.revision]);
        for (const list of revisions.values()) expect(list).toEqual(list.map((_, i) => BigInt(i))); // no gap per stream
        await subscription.stop();
      });

      test('50 racing appends with the same expected revision: exactly one succeeds, the rest get typed conflicts', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [newEvent()]);
        const clients = await Promise.all(Array.from({ length: 8 }, () => openAnother()));
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) =>
            clients[i % clients.length]!.appendToStream(stream, [newEvent('Raced', { i })], { expectedRevision: 0n }),
          ),
        );
        const succeeded = results.filter((r) => r.status === 'fulfilled');
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(succeeded).toHaveLength(1);
        expect(failed).toHaveLength(49);
        for (const failure of failed) expect(failure.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      test('a subscriber killed mid-batch and restarted from its checkpoint misses nothing and repeats only that batch', async () => {
        const total = 3_000;
        const writer = await openAnother();
        const writing = (async () => {
          for (let i = 0; i < total; i += 10) {
            await writer.appendToStream(streamName('restart'), Array.from({ length: 10 }, () => newEvent('Counted')));
          }
        })();

        // The first life of the projector: it stores its checkpoint after each batch, and dies inside its 5th batch.
        let checkpoint: Position | undefined;
        const firstLife: string[] = [];
        let lastBatchIds: string[] = [];
        const firstClient = await openAnother();
        let batches = 0;
        await new Promise<void>((resolve) => {
          const subscription = firstClient.subscribeToAll({
            maxBatchSize: 100,
            handle: async (batch) => {
              batches++;
              if (batches === 5) {
                lastBatchIds = batch.events.map((e) => e.id);
                firstLife.push(...lastBatchIds); // the effect happened, the checkpoint was never stored
                void subscription.stop().then(resolve);
                throw new Error('killed');
              }
              firstLife.push(...batch.events.map((e) => e.id));
              checkpoint = batch.checkpoint;
            },
            onError: () => undefined,
          });
        });
        await firstClient.close();

        const secondLife = collector();
        const secondClient = await openAnother();
        const restarted = secondClient.subscribeToAll({ from: checkpoint, maxBatchSize: 100, handle: secondLife.handle });
        await writing;
        await secondLife.until(() => new Set([...firstLife, ...secondLife.events.map((e) => e.id)]).size >= total, 60_000);
        await restarted.stop();

        const all = (await store.readAll({ maxCount: total + 10 })).map((e) => e.id);
        const delivered = [...firstLife, ...secondLife.events.map((e) => e.id)];
        expect(new Set(delivered)).toEqual(new Set(all)); // nothing missed
        const repeated = delivered.filter((id, i) => delivered.indexOf(id) !== i);
        expect(repeated.every((id) => lastBatchIds.includes(id))).toBe(true); // repeats only the batch it died in
        expect(repeated.length).toBeLessThanOrEqual(lastBatchIds.length);
      });
    });
  });
}
