/**
 * An in-process stand-in for EventStoreDB, speaking the part of its gRPC Streams API that `@eventstore/db-client`
 * uses: append, read (a stream, $all, and catch-up subscriptions to $all with filters, checkpoints and caught-up),
 * tombstone. Built on the service definitions the client ships, over an in-memory log. Test code only.
 *
 * Knowingly simpler than a real server: positions are a counter (commit = prepare), not byte offsets; no
 * authentication, no persistent subscriptions, no projections; BatchAppend and server features answer UNIMPLEMENTED,
 * so the client falls back to the plain Append call (as it does against older servers).
 */
import * as grpc from '@grpc/grpc-js';
import { Empty, StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { AppendReq, AppendResp, ReadReq, ReadResp, TombstoneReq, TombstoneResp } from '@eventstore/db-client/generated/streams_pb';

interface StoredEvent {
  streamName: string;
  revision: bigint;
  position: bigint;
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  created: bigint;
}

interface Filter {
  matches(event: StoredEvent): boolean;
}

const TICKS_PER_MS = 10_000n;
const EPOCH_TICKS = 621_355_968_000_000_000n; // .NET ticks at 1970-01-01, as EventStoreDB reports `created`

class InMemoryLog {
  readonly events: StoredEvent[] = [];
  readonly streams = new Map<string, { revision: bigint; deleted: boolean }>();
  readonly ids = new Map<string, StoredEvent>();
  readonly listeners = new Set<() => void>();
  private nextPosition = 1_000n;

  append(streamName: string, proposed: Omit<StoredEvent, 'streamName' | 'revision' | 'position' | 'created'>[]): StoredEvent[] {
    const stream = this.streams.get(streamName) ?? { revision: -1n, deleted: false };
    const created = BigInt(Date.now()) * TICKS_PER_MS + EPOCH_TICKS;
    const stored = proposed.map((event, i) => ({ ...event, streamName, revision: stream.revision + 1n + BigInt(i), position: this.nextPosition++, created }));
    this.events.push(...stored);
    for (const event of stored) this.ids.set(`${streamName}/${event.id}`, event);
    this.streams.set(streamName, { revision: stream.revision + BigInt(stored.length), deleted: stream.deleted });
    for (const listener of this.listeners) listener();
    return stored;
  }
}

function exception(code: grpc.status, type: string, message: string, streamName?: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', type);
  if (streamName !== undefined) metadata.set('stream-name', streamName);
  return Object.assign(new Error(message), { code, details: message, metadata }) as grpc.ServiceError;
}

function streamNameOf(identifier: StreamIdentifier | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}

function uuidString(uuid: UUID | undefined): string {
  if (!uuid) return '';
  if (uuid.hasString()) return uuid.getString();
  const structured = uuid.getStructured()!;
  const buffer = Buffer.alloc(16);
  buffer.writeBigInt64BE(BigInt(structured.getMostSignificantBits()), 0);
  buffer.writeBigInt64BE(BigInt(structured.getLeastSignificantBits()), 8);
  const hex = buffer.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function toReadResp(event: StoredEvent): ReadResp {
  const record = new ReadResp.ReadEvent.RecordedEvent();
  const id = new UUID();
  id.setString(event.id);
  record.setId(id);
  const identifier = new StreamIdentifier();
  identifier.setStreamName(Buffer.from(event.streamName, 'utf8'));
  record.setStreamIdentifier(identifier);
  record.setStreamRevision(event.revision.toString());
  record.setCommitPosition(event.position.toString());
  record.setPreparePosition(event.position.toString());
  record.getMetadataMap().set('type', event.type);
  record.getMetadataMap().set('content-type', event.contentType);
  record.getMetadataMap().set('created', event.created.toString());
  record.setData(event.data);
  record.setCustomMetadata(event.customMetadata);
  const readEvent = new ReadResp.ReadEvent();
  readEvent.setEvent(record);
  readEvent.setCommitPosition(event.position.toString());
  const response = new ReadResp();
  response.setEvent(readEvent);
  return response;
}

function filterOf(options: ReadReq.Options): Filter | undefined {
  if (!options.hasFilter()) return undefined;
  const filter = options.getFilter()!;
  const byStream = filter.hasStreamIdentifier();
  const expression = byStream ? filter.getStreamIdentifier()! : filter.getEventType()!;
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const prefixes = expression.getPrefixList();
  return {
    matches(event) {
      const subject = byStream ? event.streamName : event.type;
      return (!regex || regex.test(subject)) && (prefixes.length === 0 || prefixes.some((prefix) => subject.startsWith(prefix)));
    },
  };
}

function checkpoint(position: bigint): ReadResp {
  const message = new ReadResp.Checkpoint();
  message.setCommitPosition(position.toString());
  message.setPreparePosition(position.toString());
  const response = new ReadResp();
  response.setCheckpoint(message);
  return response;
}

function implementation(log: InMemoryLog): grpc.UntypedServiceImplementation {
  return {
    append(call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) {
      let options: AppendReq.Options | undefined;
      const proposed: Omit<StoredEvent, 'streamName' | 'revision' | 'position' | 'created'>[] = [];
      call.on('data', (request: AppendReq) => {
        if (request.hasOptions()) options = request.getOptions();
        if (request.hasProposedMessage()) {
          const message = request.getProposedMessage()!;
          proposed.push({
            id: uuidString(message.getId()),
            type: message.getMetadataMap().get('type') ?? '',
            contentType: message.getMetadataMap().get('content-type') ?? 'application/octet-stream',
            data: message.getData_asU8(),
            customMetadata: message.getCustomMetadata_asU8(),
          });
        }
      });
      call.on('end', () => {
        if (!options) return callback(exception(grpc.status.INVALID_ARGUMENT, 'invalid-argument', 'missing options'));
        const streamName = streamNameOf(options.getStreamIdentifier());
        const stream = log.streams.get(streamName);
        if (stream?.deleted) return callback(exception(grpc.status.FAILED_PRECONDITION, 'stream-deleted', `stream ${streamName} is deleted`, streamName));
        const current = stream?.revision ?? -1n;
        const response = new AppendResp();

        // Idempotent: the same event ids already in the stream, in a row, is a repeat.
        const repeated = proposed.map((event) => log.ids.get(`${streamName}/${event.id}`));
        if (proposed.length > 0 && repeated.every(Boolean)) {
          const last = repeated[repeated.length - 1]!;
          return callback(null, success(response, last.revision, last.position));
        }

        const wrong =
          (options.hasNoStream() && current !== -1n) ||
          (options.hasStreamExists() && current === -1n) ||
          (options.hasRevision() && BigInt(options.getRevision()) !== current);
        if (wrong) {
          const error = new AppendResp.WrongExpectedVersion();
          if (current === -1n) error.setCurrentNoStream(new Empty());
          else error.setCurrentRevision(current.toString());
          if (options.hasRevision()) error.setExpectedRevision(options.getRevision());
          else if (options.hasNoStream()) error.setExpectedNoStream(new Empty());
          else if (options.hasStreamExists()) error.setExpectedStreamExists(new Empty());
          else error.setExpectedAny(new Empty());
          response.setWrongExpectedVersion(error);
          return callback(null, response);
        }
        const stored = log.append(streamName, proposed);
        const last = stored[stored.length - 1];
        callback(null, success(response, last?.revision ?? current, last?.position ?? 0n));
      });
    },

    read(call: grpc.ServerWritableStream<ReadReq, ReadResp>) {
      const options = call.request.getOptions()!;
      const forwards = options.getReadDirection() === ReadReq.Options.ReadDirection.FORWARDS;
      const count = options.hasCount() ? Number(BigInt(options.getCount())) : Number.MAX_SAFE_INTEGER;

      if (options.hasStream()) {
        const streamOptions = options.getStream()!;
        const streamName = streamNameOf(streamOptions.getStreamIdentifier());
        const stream = log.streams.get(streamName);
        if (stream?.deleted) return void call.emit('error', exception(grpc.status.FAILED_PRECONDITION, 'stream-deleted', `stream ${streamName} is deleted`, streamName));
        if (!stream) {
          const notFound = new ReadResp.StreamNotFound();
          notFound.setStreamIdentifier(streamOptions.getStreamIdentifier());
          const response = new ReadResp();
          response.setStreamNotFound(notFound);
          call.write(response);
          return call.end();
        }
        const from = streamOptions.hasRevision() ? BigInt(streamOptions.getRevision()) : streamOptions.hasEnd() ? stream.revision : forwards ? 0n : stream.revision;
        const events = log.events
          .filter((e) => e.streamName === streamName && (forwards ? e.revision >= from : e.revision <= from))
          .sort((a, b) => (forwards ? Number(a.revision - b.revision) : Number(b.revision - a.revision)))
          .slice(0, count);
        for (const event of events) call.write(toReadResp(event));
        return call.end();
      }

      const allOptions = options.getAll()!;
      const filter = filterOf(options);
      const subscribing = options.hasSubscription();
      let after: bigint | undefined;
      if (allOptions.hasPosition()) after = BigInt(allOptions.getPosition()!.getCommitPosition());
      if (allOptions.hasEnd()) after = log.events.length > 0 ? log.events[log.events.length - 1]!.position : -1n;

      if (!subscribing) {
        // A read of $all from a position includes the event at that position (EventStoreDB's behaviour).
        const events = (forwards ? log.events : [...log.events].reverse())
          .filter((e) => after === undefined || (forwards ? e.position >= after : e.position <= after))
          .filter((e) => !filter || filter.matches(e))
          .slice(0, count);
        for (const event of events) call.write(toReadResp(event));
        return call.end();
      }

      // A subscription starts after its position, catches up, says so, then follows new appends.
      const confirmation = new ReadResp.SubscriptionConfirmation();
      confirmation.setSubscriptionId(`double-${Math.random().toString(36).slice(2)}`);
      const confirmed = new ReadResp();
      confirmed.setConfirmation(confirmation);
      call.write(confirmed);
      let index = after === undefined ? 0 : log.events.findIndex((e) => e.position > after!);
      if (index < 0) index = log.events.length;
      let caughtUp = false;
      const pump = () => {
        let scanned = 0;
        while (index < log.events.length) {
          const event = log.events[index++]!;
          scanned++;
          if (!filter || filter.matches(event)) call.write(toReadResp(event));
        }
        if (filter && scanned > 0) call.write(checkpoint(log.events[index - 1]!.position));
        if (!caughtUp) {
          caughtUp = true;
          const response = new ReadResp();
          response.setCaughtUp(new ReadResp.CaughtUp());
          call.write(response);
        }
      };
      const listener = () => setImmediate(pump);
      log.listeners.add(listener);
      call.on('cancelled', () => log.listeners.delete(listener));
      call.on('close', () => log.listeners.delete(listener));
      pump();
    },

    tombstone(call: grpc.ServerUnaryCall<TombstoneReq, TombstoneResp>, callback: grpc.sendUnaryData<TombstoneResp>) {
      const options = call.request.getOptions()!;
      const streamName = streamNameOf(options.getStreamIdentifier());
      const stream = log.streams.get(streamName);
      if (stream?.deleted) return callback(exception(grpc.status.FAILED_PRECONDITION, 'stream-deleted', `stream ${streamName} is deleted`, streamName));
      const current = stream?.revision ?? -1n;
      const wrong =
        (options.hasNoStream() && current !== -1n) ||
        (options.hasStreamExists() && current === -1n) ||
        (options.hasRevision() && BigInt(options.getRevision()) !== current);
      if (wrong) {
        const error = exception(grpc.status.FAILED_PRECONDITION, 'wrong-expected-version', `stream ${streamName} is at ${current}`, streamName);
        error.metadata.set('expected-version', options.hasRevision() ? options.getRevision() : '-1');
        error.metadata.set('actual-version', current.toString());
        return callback(error);
      }
      log.streams.set(streamName, { revision: current, deleted: true });
      const response = new TombstoneResp();
      const position = new TombstoneResp.Position();
      position.setCommitPosition('0');
      position.setPreparePosition('0');
      response.setPosition(position);
      callback(null, response);
    },

    delete(_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      callback(exception(grpc.status.UNIMPLEMENTED, 'unimplemented', 'soft delete is not implemented by the double'));
    },
    batchAppend(call: grpc.ServerDuplexStream<unknown, unknown>) {
      call.destroy(Object.assign(new Error('not implemented'), { code: grpc.status.UNIMPLEMENTED }));
    },
  };
}

function success(response: AppendResp, revision: bigint, position: bigint): AppendResp {
  const ok = new AppendResp.Success();
  ok.setCurrentRevision(revision.toString());
  const grpcPosition = new AppendResp.Position();
  grpcPosition.setCommitPosition(position.toString());
  grpcPosition.setPreparePosition(position.toString());
  ok.setPosition(grpcPosition);
  response.setSuccess(ok);
  return response;
}

export interface EsdbDouble {
  connectionString: string;
  port: number;
  /** Stops listening and listens again on the same port with the same data: a server restart. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEsdbDouble(options: { port?: number } = {}): Promise<EsdbDouble> {
  const log = new InMemoryLog();
  // A real server has system events in $all; the adapter must leave them out.
  log.append('$settings', [{ id: '00000000-0000-4000-8000-000000000001', type: '$metadata', contentType: 'application/json', data: Buffer.from('{}'), customMetadata: new Uint8Array() }]);
  let server: grpc.Server;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = new grpc.Server();
      server.addService(StreamsService as unknown as grpc.ServiceDefinition, implementation(log));
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
    });
  const port = await listen(options.port ?? 0);
  return {
    port,
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    async restart() {
      server.forceShutdown();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await listen(port);
    },
    async stop() {
      server.forceShutdown();
    },
  };
}
