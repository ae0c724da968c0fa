/** Protocol-buffer messages of the Streams API, to and from the double's own types. */
import * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import {
  Empty,
  MaximumAppendSizeExceeded,
  StreamDeleted,
  StreamIdentifier,
  Timeout,
  UUID,
  WrongExpectedVersion,
} from '@eventstore/db-client/generated/shared_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { ReadResp } from '@eventstore/db-client/generated/streams_pb';
import type { Expected, ProposedEvent, StoredEvent } from './in-memory-log';

export function streamNameOf(identifier: StreamIdentifier | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}

export function streamIdentifier(streamName: string): StreamIdentifier {
  const identifier = new StreamIdentifier();
  identifier.setStreamName(Buffer.from(streamName, 'utf8'));
  return identifier;
}

export function uuidString(uuid: UUID | undefined): string {
  if (!uuid) return '';
  if (uuid.hasString()) return uuid.getString();
  const structured = uuid.getStructured()!;
  const buffer = Buffer.alloc(16);
  buffer.writeBigInt64BE(BigInt(structured.getMostSignificantBits()), 0);
  buffer.writeBigInt64BE(BigInt(structured.getLeastSignificantBits()), 8);
  const hex = buffer.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** What Append's and BatchAppend's proposed messages have in common. */
interface ProposedMessage {
  getId(): UUID | undefined;
  getMetadataMap(): { get(key: string): string | undefined };
  getData_asU8(): Uint8Array;
  getCustomMetadata_asU8(): Uint8Array;
}

export function proposedEvent(message: ProposedMessage): ProposedEvent {
  return {
    id: uuidString(message.getId()),
    type: message.getMetadataMap().get('type') ?? '',
    contentType: message.getMetadataMap().get('content-type') ?? 'application/octet-stream',
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

/** What Append, BatchAppend and Tombstone options have in common: the expected state of the stream. */
interface ExpectedOptions {
  hasNoStream(): boolean;
  hasStreamExists(): boolean;
  hasAny(): boolean;
}

export function expectedOf(options: ExpectedOptions, revision: string | undefined): Expected {
  if (revision !== undefined) return { kind: 'revision', revision: BigInt(revision) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

export function eventResponse(event: StoredEvent): ReadResp {
  const record = new ReadResp.ReadEvent.RecordedEvent();
  const id = new UUID();
  id.setString(event.id);
  record.setId(id);
  record.setStreamIdentifier(streamIdentifier(event.streamName));
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

export function checkpointResponse(position: bigint): ReadResp {
  const checkpoint = new ReadResp.Checkpoint();
  checkpoint.setCommitPosition(position.toString());
  checkpoint.setPreparePosition(position.toString());
  const response = new ReadResp();
  response.setCheckpoint(checkpoint);
  return response;
}

export function caughtUpResponse(): ReadResp {
  const response = new ReadResp();
  response.setCaughtUp(new ReadResp.CaughtUp());
  return response;
}

export function confirmationResponse(id: string): ReadResp {
  const confirmation = new ReadResp.SubscriptionConfirmation();
  confirmation.setSubscriptionId(id);
  const response = new ReadResp();
  response.setConfirmation(confirmation);
  return response;
}

export function streamNotFoundResponse(streamName: string): ReadResp {
  const notFound = new ReadResp.StreamNotFound();
  notFound.setStreamIdentifier(streamIdentifier(streamName));
  const response = new ReadResp();
  response.setStreamNotFound(notFound);
  return response;
}

/** A failed call the way EventStoreDB reports one: a status plus the `exception` trailer the client dispatches on. */
export function serverException(code: grpc.status, exception: string, message: string, trailers: Record<string, string> = {}): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', exception);
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return Object.assign(new Error(message), { code, details: message, metadata });
}

export function streamDeletedException(streamName: string): grpc.ServiceError {
  return serverException(grpc.status.FAILED_PRECONDITION, 'stream-deleted', `Event stream '${streamName}' is deleted.`, { 'stream-name': streamName });
}

/** BatchAppend's errors: a google.rpc.Status whose details pack one of the shared error messages. */
export function wrongExpectedVersionStatus(expected: Expected, current: bigint | undefined): Status {
  const details = new WrongExpectedVersion();
  if (current === undefined) details.setCurrentNoStream(new Empty());
  else details.setCurrentStreamRevision(current.toString());
  if (expected.kind === 'revision') details.setExpectedStreamPosition(expected.revision.toString());
  else if (expected.kind === 'no_stream') details.setExpectedNoStream(new Empty());
  else if (expected.kind === 'stream_exists') details.setExpectedStreamExists(new Empty());
  else details.setExpectedAny(new Empty());
  return packedStatus(grpc.status.ALREADY_EXISTS, 'WrongExpectedVersion', details.serializeBinary(), 'event_store.client.WrongExpectedVersion');
}

export function streamDeletedStatus(streamName: string): Status {
  const details = new StreamDeleted();
  details.setStreamIdentifier(streamIdentifier(streamName));
  return packedStatus(grpc.status.NOT_FOUND, 'StreamDeleted', details.serializeBinary(), 'event_store.client.StreamDeleted');
}

/** The write did not commit within its deadline (or the server's write timeout); it may still commit later. */
export function timeoutStatus(): Status {
  return packedStatus(grpc.status.DEADLINE_EXCEEDED, 'Timeout', new Timeout().serializeBinary(), 'event_store.client.Timeout');
}

export function maximumAppendSizeStatus(maxAppendSize: number): Status {
  const details = new MaximumAppendSizeExceeded();
  details.setMaxappendsize(maxAppendSize);
  return packedStatus(grpc.status.INVALID_ARGUMENT, 'MaximumAppendSizeExceeded', details.serializeBinary(), 'event_store.client.MaximumAppendSizeExceeded');
}

/**
 * A request the node did not handle (not ready, too busy): the server packs an empty message and sets no code, so
 * the client recognises none of it and reports an UnknownError "Could not recognize <message>".
 */
export function notHandledStatus(message: string): Status {
  return packedStatus(grpc.status.OK, message, new Empty().serializeBinary(), 'google.protobuf.Empty');
}

/** Outside BatchAppend a request the node did not handle ends the call UNAVAILABLE. */
export function notHandledException(message: string): grpc.ServiceError {
  return Object.assign(new Error(message), { code: grpc.status.UNAVAILABLE, details: message, metadata: new grpc.Metadata() });
}

/** Outside BatchAppend a write timeout ends the call ABORTED, which the client reports as a TimeoutError. */
export function timeoutException(message: string): grpc.ServiceError {
  const details = `Operation timed out: ${message}`;
  return Object.assign(new Error(details), { code: grpc.status.ABORTED, details, metadata: new grpc.Metadata() });
}

export function maximumAppendSizeException(maxAppendSize: number): grpc.ServiceError {
  return serverException(grpc.status.INVALID_ARGUMENT, 'maximum-append-size-exceeded', `Maximum Append Size of ${maxAppendSize} Exceeded.`, {
    'maximum-append-size': String(maxAppendSize),
  });
}

/** A follower asked for something only the leader does: where the leader is, for the client to reconnect there. */
export function notLeaderException(leader: { host: string; port: number }): grpc.ServiceError {
  return serverException(grpc.status.NOT_FOUND, 'not-leader', 'Leader info available', {
    'leader-endpoint-host': leader.host,
    'leader-endpoint-port': String(leader.port),
  });
}

function packedStatus(code: number, message: string, serialized: Uint8Array, typeName: string): Status {
  const any = new Any();
  any.pack(serialized, typeName);
  const status = new Status();
  status.setCode(code as never);
  status.setMessage(message);
  status.setDetails(any);
  return status;
}
