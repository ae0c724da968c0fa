/** The Streams service over the in-memory log: Append, BatchAppend, Read (streams, $all, $all subscriptions), Tombstone. */
import * as grpc from '@grpc/grpc-js';
import { AllStreamPosition, Empty } from '@eventstore/db-client/generated/shared_pb';
import {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  ReadReq,
  ReadResp,
  TombstoneReq,
  TombstoneResp,
} from '@eventstore/db-client/generated/streams_pb';
import type { Expected, InMemoryLog, ProposedEvent, StoredEvent } from './in-memory-log';
import {
  caughtUpResponse,
  checkpointResponse,
  confirmationResponse,
  eventResponse,
  expectedOf,
  proposedEvent,
  serverException,
  streamDeletedException,
  streamDeletedStatus,
  streamNameOf,
  streamIdentifier,
  streamNotFoundResponse,
  wrongExpectedVersionStatus,
} from './messages';

/** How many events a subscription writes before yielding to the event loop, so appends keep flowing meanwhile. */
const PUMP_SLICE = 1_000;

export function streamsService(log: InMemoryLog): grpc.UntypedServiceImplementation {
  return {
    append(call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) {
      let options: AppendReq.Options | undefined;
      const proposed: ProposedEvent[] = [];
      call.on('data', (request: AppendReq) => {
        if (request.hasOptions()) options = request.getOptions();
        if (request.hasProposedMessage()) proposed.push(proposedEvent(request.getProposedMessage()!));
      });
      call.on('end', () => {
        if (!options) return callback(serverException(grpc.status.INVALID_ARGUMENT, 'invalid-argument', 'the first message must carry options'));
        const streamName = streamNameOf(options.getStreamIdentifier());
        const expected = expectedOf(options, options.hasRevision() ? options.getRevision() : undefined);
        const outcome = log.append(streamName, expected, proposed);
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

    /** One long-lived duplex call per client carries many appends, each tagged with a correlation id. */
    batchAppend(call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) {
      const pending = new Map<string, { streamName: string; expected: Expected; events: ProposedEvent[] }>();
      call.on('data', (request: BatchAppendReq) => {
        const correlationId = request.getCorrelationId()!;
        const key = correlationId.toString();
        let append = pending.get(key);
        if (!append) {
          const options = request.getOptions();
          if (!options) return call.destroy(serverException(grpc.status.INVALID_ARGUMENT, 'invalid-argument', 'first batch without options'));
          const expected = expectedOf(options, options.hasStreamPosition() ? options.getStreamPosition() : undefined);
          append = { streamName: streamNameOf(options.getStreamIdentifier()), expected, events: [] };
          pending.set(key, append);
        }
        append.events.push(...request.getProposedMessagesList().map(proposedEvent));
        if (!request.getIsFinal()) return;
        pending.delete(key);

        const outcome = log.append(append.streamName, append.expected, append.events);
        const response = new BatchAppendResp();
        response.setCorrelationId(correlationId);
        response.setStreamIdentifier(request.getOptions()?.getStreamIdentifier() ?? streamIdentifier(append.streamName));
        if (outcome.kind === 'success') {
          const success = new BatchAppendResp.Success();
          if (outcome.revision < 0n) success.setNoStream(new Empty());
          else success.setCurrentRevision(outcome.revision.toString());
          if (outcome.position < 0n) success.setNoPosition(new Empty());
          else success.setPosition(allStreamPosition(outcome.position));
          response.setSuccess(success);
        } else {
          response.setError(outcome.kind === 'stream-deleted' ? streamDeletedStatus(append.streamName) : wrongExpectedVersionStatus(append.expected, outcome.current));
        }
        call.write(response);
      });
      call.on('end', () => call.end());
    },

    read(call: grpc.ServerWritableStream<ReadReq, ReadResp>) {
      const options = call.request.getOptions()!;
      if (options.hasStream()) return readStream(log, call, options);
      if (options.hasSubscription()) return subscribeToAll(log, call, options);
      return readAll(log, call, options);
    },

    tombstone(call: grpc.ServerUnaryCall<TombstoneReq, TombstoneResp>, callback: grpc.sendUnaryData<TombstoneResp>) {
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
      // The tombstone record itself is not in the double's $all (a real server writes one); its position is the head.
      const head = (log.lastPosition() ?? 0n).toString();
      position.setCommitPosition(head);
      position.setPreparePosition(head);
      response.setPosition(position);
      callback(null, response);
    },

    delete(_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      callback(serverException(grpc.status.UNIMPLEMENTED, 'not-supported', 'soft delete is not implemented by the double'));
    },
  };
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

/**
 * A catch-up subscription to $all: confirmation, history after the position (exclusive), caught-up, then every new
 * event as it is appended. With a filter, a checkpoint after each pass so the client can record progress through
 * events it was not sent.
 */
function subscribeToAll(
  log: InMemoryLog,
  call: grpc.ServerWritableStream<ReadReq, ReadResp>,
  options: ReadReq.Options,
): void {
  if (!options.hasAll()) {
    call.emit('error', serverException(grpc.status.INVALID_ARGUMENT, 'invalid-argument', 'subscriptions need $all or a stream'));
    return;
  }
  const all = options.getAll()!;
  const filter = filterOf(options);
  call.write(confirmationResponse(`double-${Math.random().toString(36).slice(2)}`));
  let index = all.hasPosition() ? log.indexAfter(BigInt(all.getPosition()!.getCommitPosition())) : all.hasEnd() ? log.events.length : 0;
  let caughtUp = false;
  let scheduled = false;
  let closed = false;

  const pump = () => {
    scheduled = false;
    if (closed) return;
    const end = Math.min(log.events.length, index + PUMP_SLICE);
    const scanned = end - index;
    for (; index < end; index++) {
      const event = log.events[index]!;
      if (!filter || filter(event)) call.write(eventResponse(event));
    }
    if (filter && scanned > 0) call.write(checkpointResponse(log.events[index - 1]!.position));
    if (index < log.events.length) return schedule();
    if (!caughtUp) {
      caughtUp = true;
      call.write(caughtUpResponse());
    }
  };
  const schedule = () => {
    if (scheduled || closed) return;
    scheduled = true;
    setImmediate(pump);
  };
  const unlisten = log.onAppend(schedule);
  const close = () => {
    closed = true;
    unlisten();
  };
  call.on('cancelled', close);
  call.on('close', close);
  call.on('error', close);
  pump();
}

function countOf(options: ReadReq.Options): number {
  return options.hasCount() ? Number(BigInt(options.getCount())) : Number.MAX_SAFE_INTEGER;
}

/** The server-side filter: on event type or stream name, by regex or by prefixes. */
function filterOf(options: ReadReq.Options): ((event: StoredEvent) => boolean) | undefined {
  if (!options.hasFilter()) return undefined;
  const filter = options.getFilter()!;
  const byStream = filter.hasStreamIdentifier();
  const expression = byStream ? filter.getStreamIdentifier()! : filter.getEventType()!;
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const prefixes = expression.getPrefixList();
  return (event) => {
    const subject = byStream ? event.streamName : event.type;
    return (!regex || regex.test(subject)) && (prefixes.length === 0 || prefixes.some((prefix) => subject.startsWith(prefix)));
  };
}

function allStreamPosition(position: bigint): AllStreamPosition {
  const result = new AllStreamPosition();
  result.setCommitPosition(position.toString());
  result.setPreparePosition(position.toString());
  return result;
}
