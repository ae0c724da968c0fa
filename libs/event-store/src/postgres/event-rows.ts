import type { EventMetadata, RecordedEvent } from '../event-store.port';

/** An `es_events` row as `pg` returns it: int8 and xid8 come back as strings. */
export interface EventRow {
  global_sequence: string;
  transaction_id: string;
  event_id: string;
  stream_name: string;
  stream_revision: string;
  event_type: string;
  data: unknown;
  metadata: EventMetadata;
}

export const EVENT_COLUMNS = 'global_sequence, transaction_id, event_id, stream_name, stream_revision, event_type, data, metadata';

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.event_type,
    streamName: row.stream_name,
    revision: BigInt(row.stream_revision),
    position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_sequence) },
    data: row.data,
    metadata: row.metadata,
  };
}
