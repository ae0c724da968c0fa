import { jsonEvent, type EventData, type ResolvedEvent } from '@eventstore/db-client';
import type { EventMetadata, NewEvent, RecordedEvent } from '../event-store.port';

/** The port's event as the client's JSON event: data and metadata both JSON, so other EventStoreDB tools can read them. */
export function toEventData(event: NewEvent): EventData {
  return jsonEvent({ id: event.id, type: event.type, data: event.data as never, metadata: event.metadata as never });
}

/**
 * A client event as the port's event; undefined for what the port never shows: system events ($-types, which a real
 * server writes to $all on its own), link events without a target, and events without a position.
 */
export function toRecordedEvent(resolved: ResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || event.type.startsWith('$') || !event.position) return undefined;
  return {
    id: event.id,
    type: event.type,
    streamName: event.streamId,
    revision: event.revision,
    position: event.position,
    data: event.data,
    // Events written by other tools may have no metadata: the port promises occurredAt, so take the server's time.
    metadata: (isObject(event.metadata) ? event.metadata : { occurredAt: event.created.toISOString() }) as EventMetadata,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array);
}
