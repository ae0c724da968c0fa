/**
 * A catch-up subscription to $all as the server's enumerators run one: confirmation; history after the position
 * (exclusive), read 32 events at a time and written no faster than HTTP/2 lets the client take them; caught-up
 * (from 23.10 on); then live events through a 32-deep buffer. A client too slow for the live flow overflows the
 * buffer: up to 23.10 the call ends ABORTED "Consumer too slow", from 24.2 the server reads on from the log and
 * sends caught-up again. Filtered subscriptions get a checkpoint every 32 events scanned (interval × multiplier).
 */
import * as grpc from '@grpc/grpc-js';
import type { ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
import type { InMemoryLog } from './in-memory-log';
import { caughtUpResponse, checkpointResponse, confirmationResponse, eventResponse, serverException, timeoutException } from './messages';
import { behaviourOf, type NodeConditions, type NodeStats } from './node-conditions';
import { filterOf } from './event-filter';

/** Enumerator.DefaultCatchUpBufferSize, DefaultLiveBufferSize and DefaultReadBatchSize alike. */
const BUFFER_SIZE = 32;

export function subscribeToAll(log: InMemoryLog, conditions: NodeConditions, stats: NodeStats, call: grpc.ServerWritableStream<ReadReq, ReadResp>, options: ReadReq.Options): void {
  if (!options.hasAll()) {
    call.emit('error', serverException(grpc.status.INVALID_ARGUMENT, 'invalid-argument', 'subscriptions need $all or a stream'));
    return;
  }
  const behaviour = behaviourOf(conditions.version);
  const all = options.getAll()!;
  const filter = filterOf(options);
  const filterOptions = options.getFilter();
  const checkpointInterval = filter ? (filterOptions!.hasMax() ? filterOptions!.getMax() : BUFFER_SIZE) * Math.max(filterOptions!.getCheckpointintervalmultiplier(), 1) : Infinity;

  /** Index in the log of the next event to scan: everything before it has been sent (or filtered out). */
  let next = all.hasPosition() ? log.indexAfter(BigInt(all.getPosition()!.getCommitPosition())) : all.hasEnd() ? log.events.length : 0;
  let scannedSinceCheckpoint = 0;
  let live = false;
  /** The transport has refused more (HTTP/2 window and stream buffer full) until it drains. */
  let blocked = false;
  let closed = false;
  let running = false;

  /** Resolves once the transport has taken the message (HTTP/2 flow control), rejects if the call ends. */
  const send = (response: ReadResp) =>
    new Promise<void>((resolve) => {
      if (closed) return resolve();
      if (call.write(response)) return resolve();
      blocked = true;
      call.once('drain', () => {
        blocked = false;
        resolve();
      });
    });

  /** Sends what comes next in the log; during live, the events buffered since the last pass. */
  const scan = async () => {
    const end = Math.min(log.events.length, next + BUFFER_SIZE);
    for (; next < end && !closed; next++) {
      const event = log.events[next]!;
      if (!filter || filter(event)) await send(eventResponse(event));
      if (++scannedSinceCheckpoint >= checkpointInterval) {
        scannedSinceCheckpoint = 0;
        await send(checkpointResponse(event.position));
      }
    }
  };

  const run = async () => {
    if (running) return;
    running = true;
    try {
      while (!closed && next < log.events.length) {
        await scan();
        await new Promise((resolve) => setImmediate(resolve)); // let appends flow meanwhile
      }
      if (!closed && !live) {
        live = true;
        if (behaviour.sendsCaughtUp) await send(caughtUpResponse());
      }
    } finally {
      running = false;
    }
    // An append may have come while the last message was being sent.
    if (!closed && next < log.events.length) void run();
  };

  /**
   * A new event: while live it waits in the live buffer, which the sender empties as fast as the transport takes
   * messages. Only while the transport refuses more can the buffer fill (on one thread, the sender cannot run in
   * the middle of a burst of appends; on the server it runs alongside them).
   */
  const appended = () => {
    if (closed) return;
    if (live && blocked && countMatching(log, next, filter) > BUFFER_SIZE) return overflow();
    void run();
  };

  const overflow = () => {
    stats.slowConsumers++;
    if (behaviour.slowConsumer === 'abort') {
      close();
      call.emit('error', timeoutException('Consumer too slow to handle event while live. Client resubscription required.'));
      return;
    }
    // Fell behind: the live buffer is dropped and the same events read again from the log, then caught-up again.
    live = false;
  };

  const unlisten = log.onAppend(appended);
  const close = () => {
    closed = true;
    unlisten();
  };
  call.on('cancelled', close);
  call.on('close', close);
  call.on('error', close);
  void send(confirmationResponse(`double-${Math.random().toString(36).slice(2)}`)).then(run);
}

/** How many events from `from` on the live buffer would hold (the ones the filter lets through), up to just past its size. */
function countMatching(log: InMemoryLog, from: number, filter: ((event: (typeof log.events)[number]) => boolean) | undefined): number {
  let count = 0;
  for (let i = from; i < log.events.length && count <= BUFFER_SIZE; i++) if (!filter || filter(log.events[i]!)) count++;
  return count;
}
