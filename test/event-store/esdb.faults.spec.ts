/**
 * The EventStoreDB adapter against the ways a real node refuses or fails a write, reproduced by the double: not
 * ready after a start, too busy, a write slower than its timeout, an append over MaxAppendSize. Each reaches the
 * caller as the port's typed error, retryable or not, on both append paths (BatchAppend, and Append for older servers).
 */
import { randomUUID } from 'node:crypto';
import {
  AppendTooLargeError,
  EsdbEventStore,
  EventStoreUnavailableError,
  type EventStoreError,
  type NewEvent,
} from '@accounts/event-store';
import { startEsdbDouble, type EsdbDouble } from '../esdb-double/esdb-double';
import { newEvent } from './conformance';

async function rejection(promise: Promise<unknown>): Promise<EventStoreError> {
  try {
    await promise;
  } catch (error) {
    return error as EventStoreError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe.each([
  { path: 'BatchAppend', batchAppend: true },
  { path: 'Append (older servers)', batchAppend: false },
])('EventStoreDB adapter: a node that cannot take a write, through $path', ({ batchAppend }) => {
  jest.setTimeout(30_000);
  let server: EsdbDouble;
  let store: EsdbEventStore;
  beforeEach(async () => {
    server = await startEsdbDouble({ batchAppend });
    store = new EsdbEventStore(server.connectionString);
  });
  afterEach(async () => {
    await store.close();
    await server.stop();
  });

  test('a node not ready yet after a restart: retryable EventStoreUnavailableError, nothing written, then the append succeeds', async () => {
    const stream = `thing-${randomUUID()}`;
    await store.appendToStream(stream, [newEvent()]);
    await server.restart({ downForMs: 100, notReadyForMs: 60_000 });
    const events = [newEvent()];
    // The first call after the restart may meet the cut connection; the ones after meet the node that is not ready.
    let error: EventStoreError | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      error = await rejection(store.appendToStream(stream, events, { expectedRevision: 0n }));
      if (/Not Ready/.test(error.message)) break;
    }
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(error!.retryable).toBe(true);
    expect(error!.message).toMatch(/Server Is Not Ready/);
    expect(error!.message).not.toContain(stream);

    server.conditions.notReadyUntil = 0;
    const result = await store.appendToStream(stream, events, { expectedRevision: 0n });
    expect(result.nextExpectedRevision).toBe(1n);
  });

  test('a node too busy: retryable EventStoreUnavailableError, nothing written', async () => {
    const stream = `thing-${randomUUID()}`;
    await store.appendToStream(stream, [newEvent()]);
    server.conditions.tooBusy = true;
    const error = await rejection(store.appendToStream(stream, [newEvent()]));
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(error.retryable).toBe(true);
    server.conditions.tooBusy = false;
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  test('a write slower than the 2 s write timeout: retryable EventStoreUnavailableError; it commits anyway, and the retry is recognised', async () => {
    const stream = `thing-${randomUUID()}`;
    await store.appendToStream(stream, [newEvent()]);
    server.conditions.commitDelayMs = 2_500;
    const events = [newEvent(), newEvent()];
    const started = Date.now();
    const error = await rejection(store.appendToStream(stream, events, { expectedRevision: 0n }));
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(error.retryable).toBe(true);
    // The server's write timeout (2 s) wins over the client's 10 s deadline.
    expect(Date.now() - started).toBeLessThan(2_400);

    server.conditions.commitDelayMs = 0;
    await new Promise((resolve) => setTimeout(resolve, 700)); // the late commit lands
    const retry = await store.appendToStream(stream, events, { expectedRevision: 0n });
    expect(retry.nextExpectedRevision).toBe(2n);
    expect((await store.readStream(stream)).map((event) => event.id).slice(1)).toEqual(events.map((event) => event.id));
  });

  test('an append over MaxAppendSize (1 MiB): AppendTooLargeError, not retryable, nothing written', async () => {
    const stream = `thing-${randomUUID()}`;
    const big = (): NewEvent => newEvent('Big', { blob: 'x'.repeat(512 * 1024) });
    const error = await rejection(store.appendToStream(stream, [big(), big(), big(), big(), big(), big()]));
    expect(error).toBeInstanceOf(AppendTooLargeError);
    expect(error.retryable).toBe(false);
    expect((error as AppendTooLargeError).maxAppendSize).toBe(1024 * 1024);
    expect(await store.readStream(stream)).toEqual([]);
    // The connection is still good for the next append.
    expect((await store.appendToStream(stream, [newEvent()])).nextExpectedRevision).toBe(0n);
  });
});
