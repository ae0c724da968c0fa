/** The Streams service over the in-memory log: Append, BatchAppend, Read (streams, $all, $all subscriptions), Tombstone. */
import * as grpc from '@grpc/grpc-js';
import { AllStreamPosition, Empty } from '@eventstore/db-client/generated/shared_pb';
import type { Status } from '@eventstore/db-client/generated/status_pb';
import {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  ReadReq,
  type ReadResp,
  TombstoneReq,
  TombstoneResp,
} from '@eventstore/db-client/generated/streams_pb';
import type { AppendOutcome, Expected, InMemoryLog, ProposedEvent } from './in-memory-log';
import {
  eventResponse,
  expectedOf,
  maximumAppendSizeException,
  maximumAppendSizeStatus,
  notHandledException,
  notHandledStatus,
  notLeaderException,
  proposedEvent,
  serverException,
  streamDeletedException,
  streamDeletedStatus,
  streamNameOf,
  streamIdentifier,
  streamNotFoundResponse,
  timeoutException,
  timeoutStatus,
  wrongExpectedVersionStatus,
} from './messages';
import { notHandledReason, type NodeConditions, type NodeStats } from './node-conditions';
import { filterOf } from './event-filter';
import { subscribeToAll } from './subscription';

type CommitResult = AppendOutcome | { kind: 'timeout' };

export function streamsService(log: InMemoryLog, conditions: NodeConditions, stats: NodeStats): grpc.UntypedServiceImplementation {
  /**
   * A write as the server's request manager handles it: committed after the log's delay, answered "timed out" if
   * that is later than the timeout (the write still commits: the caller cannot know whether it happened).
   */
  const commit = (streamName: string, expected: Expected, events: ProposedEvent[], timeoutMs: number): Promise<CommitResult> => {
    const delay = conditions.commitDelayMs;
    if (delay === 0 && timeoutMs > 0) return Promise.resolve(log.append(streamName, expected, events));
    return new Promise((resolve) => {
      const committing = setTimeout(() => resolve(log.append(streamName, expected, events)), delay);
      if (delay >= timeoutMs) {
        setTimeout(() => resolve({ kind: 'timeout' }), Math.max(timeoutMs, 0));
        committing.unref();
      }
    });
  };
  const timeoutUntil = (deadline: Date | number | undefined) => {
    const remaining = deadline === undefined || deadline === Infinity ? Infinity : new Date(deadline).getTime() - Date.now();
    return Math.min(remaining, conditions.writeTimeoutMs);
  };
  /** A write on a follower from a client that wants the leader (as every client does for writes by default). */
  const redirect = (metadata: grpc.Metadata) => {
    if (!conditions.leader || metadata.get('requires-leader')[0] !== 'true') return undefined;
    stats.notLeader++;
    return conditions.leader;
  };

  return {
    append(call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) {
      let options: AppendReq.Options | undefined;
      const proposed: ProposedEvent[] = [];
      call.on('data', (request: AppendReq) => {
        if (request.hasOptions()) options = request.getOptions();
        if (request.hasProposedMessage()) proposed.push(proposedEvent(request.getProposedMessage()!));
      });
      call.on('end', async () => {
        if (!options) return callback(serverException(grpc.status.INVALID_ARGUMENT, 'invalid-argument', 'the first message must carry options'));
        const leader = redirect(call.metadata);
        if (leader) return callback(notLeaderException(leader));
        const reason = notHandledReason(conditions);
        if (reason) return callback(notHandledException(reason));
        if (appendSize(proposed) > conditions.maxAppendSize) return callback(maximumAppendSizeException(conditions.maxAppendSize));
        const streamName = streamNameOf(options.getStreamIdentifier());
        const expected = expectedOf(options, options.hasRevision() ? options.getRevision() : undefined);
        const outcome = await commit(streamName, expected, proposed, timeoutUntil(call.getDeadline() as Date | number));
        if (outcome.kind === 'timeout') return callback(timeoutException('Commit timed out.'));
        if (outcome.kind === 'stream-deleted') return callback(streamDeletedException(streamName));
        const response = new AppendResp();
        if (outcome.kind === 'wrong-expected-version') {
          // Append answers a wrong expected version in-band, as a reply (only BatchAppend uses a status).
          const wrong = new AppendResp.WrongExpectedVersion();
          if (outcome.current === undefined) wrong.setCurrentNoStream(new Empty());
          else wrong.setCurrentRevision(outcome.current.toString());
          if (expected.kind === 'revision') wrong.setExpectedRevision(expected.revision.toString());
          else if (expected.kind === 'no_stream') wrong.setExpectedNoStream(new Empty());
          else if (expected.kind === 'stream_exists') wrong.setExpectedStreamExists(new Empty());
          else wrong.setExpectedAny(new Empty());
          response.setWrongExpectedVersion(wrong);
          return callback(null, response);
        }
        const success = new AppendResp.Success();
        if (outcome.revision < 0n) success.setNoStream(new Empty());
        else success.setCurrentRevision(outcome.revision.toString());
        if (outcome.position < 0n) success.setNoPosition(new Empty());
        else {
          const position = new AppendResp.Position();
          position.setCommitPosition(outcome.position.toString());
          position.setPreparePosition(outcome.position.toString());
          success.setPosition(position);
        }
        response.setSuccess(success);
        callback(null, response);
      });
    },

    /**
     * One long-lived duplex call per client carries many appends, each tagged with a correlation id. Each gets its
     * own answer: success or a status; only NotLeader ends the whole call (the server throws it).
     */
    batchAppend(call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) {
      const pending = new Map<string, { streamName: string; expected: Expected; events: ProposedEvent[]; timeoutAt: number; rejected: boolean }>();
      call.on('data', (request: BatchAppendReq) => {
        const correlationId = request.getCorrelationId()!;
        const key = correlationId.toString();
        const answer = (streamName: string, result: { error: Status } | { outcome: AppendOutcome & { kind: 'success' } }) => {
          const response = new BatchAppendResp();
          response.setCorrelationId(correlationId);
          response.setStreamIdentifier(streamIdentifier(streamName));
          if ('error' in result) response.setError(result.error);
          else response.setSuccess(batchSuccess(result.outcome));
          call.write(response);
        };
        let append = pending.get(key);
        if (!append) {
          const options = request.getOptions();
          if (!options) return; // the rest of an append already answered (too large): ignored, as on the server
          const leader = redirect(call.metadata);
          if (leader) return void call.emit('error', notLeaderException(leader)); // the server throws: the whole call ends
          const expected = expectedOf(options, options.hasStreamPosition() ? options.getStreamPosition() : undefined);
          const deadline = options.getDeadline()?.toDate().getTime();
          append = { streamName: streamNameOf(options.getStreamIdentifier()), expected, events: [], timeoutAt: Date.now() + timeoutUntil(deadline), rejected: false };
          pending.set(key, append);
        }
        if (append.rejected) return;
        append.events.push(...request.getProposedMessagesList().map(proposedEvent));
        if (appendSize(append.events) > conditions.maxAppendSize) {
          append.rejected = true;
          return answer(append.streamName, { error: maximumAppendSizeStatus(conditions.maxAppendSize) });
        }
        if (!request.getIsFinal()) return;
        pending.delete(key);

        const reason = notHandledReason(conditions);
        if (reason) return answer(append.streamName, { error: notHandledStatus(reason === 'Server Is Too Busy' ? 'Server Is Busy' : reason) });
        const { streamName, expected } = append;
        void commit(streamName, expected, append.events, append.timeoutAt - Date.now()).then((outcome) => {
          if (outcome.kind === 'success') answer(streamName, { outcome });
          else if (outcome.kind === 'timeout') answer(streamName, { error: timeoutStatus() });
          else if (outcome.kind === 'stream-deleted') answer(streamName, { error: streamDeletedStatus(streamName) });
          else answer(streamName, { error: wrongExpectedVersionStatus(expected, outcome.current) });
        });
      });
      call.on('end', () => call.end());
    },

    read(call: grpc.ServerWritableStream<ReadReq, ReadResp>) {
      const reason = notHandledReason(conditions);
      if (reason) return void call.emit('error', notHandledException(reason));
      const options = call.request.getOptions()!;
      if (options.hasStream()) return readStream(log, call, options);
      if (options.hasSubscription()) return subscribeToAll(log, conditions, stats, call, options);
      return readAll(log, call, options);
    },

    tombstone(call: grpc.ServerUnaryCall<TombstoneReq, TombstoneResp>, callback: grpc.sendUnaryData<TombstoneResp>) {
      const leader = redirect(call.metadata);
      if (leader) return callback(notLeaderException(leader));
      const reason = notHandledReason(conditions);
      if (reason) return callback(notHandledException(reason));
      const options = call.request.getOptions()!;
      const streamName = streamNameOf(options.getStreamIdentifier());
      const expected = expectedOf(options, options.hasRevision() ? options.getRevision() : undefined);
      const outcome = log.tombstone(streamName, expected);
      if (outcome.kind === 'stream-deleted') return callback(streamDeletedException(streamName));
      if (outcome.kind === 'wrong-expected-version') {
        // Outside Append, the server reports it as a status with the versions as trailers (-1: no stream).
        return callback(
          serverException(grpc.status.FAILED_PRECONDITION, 'wrong-expected-version', `Wrong expected version for '${streamName}'.`, {
            'stream-name': streamName,
            'expected-version': expected.kind === 'revision' ? expected.revision.toString() : '-1',
            'actual-version': (outcome.current ?? -1n).toString(),
          }),
        );
      }
      const response = new TombstoneResp();
      const position = new TombstoneResp.Position();
      position.setCommitPosition(outcome.position.toString());
      position.setPreparePosition(outcome.position.toString());
      response.setPosition(position);
      callback(null, response);
    },

    delete(_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      callback(serverException(grpc.status.UNIMPLEMENTED, 'not-supported', 'soft delete is not implemented by the double'));
    },
  };
}

/** What the server counts against MaxAppendSize: each event's data, metadata and type. */
function appendSize(events: ProposedEvent[]): number {
  return events.reduce((size, event) => size + event.data.length + event.customMetadata.length + Buffer.byteLength(event.type), 0);
}

function batchSuccess(outcome: AppendOutcome & { kind: 'success' }): BatchAppendResp.Success {
  const success = new BatchAppendResp.Success();
  if (outcome.revision < 0n) success.setNoStream(new Empty());
  else success.setCurrentRevision(outcome.revision.toString());
  if (outcome.position < 0n) success.setNoPosition(new Empty());
  else success.setPosition(allStreamPosition(outcome.position));
  return success;
}

function readStream(log: InMemoryLog, call: grpc.ServerWritableStream<ReadReq, ReadResp>, options: ReadReq.Options): void {
  if (options.hasSubscription()) {
    call.emit('error', serverException(grpc.status.UNIMPLEMENTED, 'not-supported', 'stream subscriptions are not implemented by the double'));
    return;
  }
  const streamOptions = options.getStream()!;
  const streamName = streamNameOf(streamOptions.getStreamIdentifier());
  if (log.isDeleted(streamName)) {
    call.emit('error', streamDeletedException(streamName));
    return;
  }
  if (!log.exists(streamName)) {
    call.write(streamNotFoundResponse(streamName));
    call.end();
    return;
  }
  const forwards = options.getReadDirection() === ReadReq.Options.ReadDirection.FORWARDS;
  const from = streamOptions.hasRevision() ? BigInt(streamOptions.getRevision()) : streamOptions.hasEnd() ? 'end' : 'start';
  for (const event of log.readStream(streamName, from, forwards, countOf(options))) call.write(eventResponse(event));
  call.end();
}

/** $all read: forwards from a position includes it, backwards from a position starts before it (as the server does). */
function readAll(log: InMemoryLog, call: grpc.ServerWritableStream<ReadReq, ReadResp>, options: ReadReq.Options): void {
  const forwards = options.getReadDirection() === ReadReq.Options.ReadDirection.FORWARDS;
  const all = options.getAll()!;
  const filter = filterOf(options);
  const count = countOf(options);
  const events = log.events;
  let index: number;
  if (all.hasPosition()) {
    const at = log.indexOf(BigInt(all.getPosition()!.getCommitPosition()));
    index = forwards ? Math.max(at, 0) : Math.min(at - 1, events.length - 1);
  } else if (all.hasEnd()) index = forwards ? events.length : events.length - 1;
  else index = forwards ? 0 : -1;
  let written = 0;
  for (; index >= 0 && index < events.length && written < count; index += forwards ? 1 : -1) {
    const event = events[index]!;
    if (filter && !filter(event)) continue;
    call.write(eventResponse(event));
    written++;
  }
  call.end();
}

function countOf(options: ReadReq.Options): number {
  return options.hasCount() ? Number(BigInt(options.getCount())) : Number.MAX_SAFE_INTEGER;
}

function allStreamPosition(position: bigint): AllStreamPosition {
  const result = new AllStreamPosition();
  result.setCommitPosition(position.toString());
  result.setPreparePosition(position.toString());
  return result;
}
