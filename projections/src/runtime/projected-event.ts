import type { DomainEvent, DomainEventType } from '@accounts/event-codec';
import type { EventMetadata, Position } from '@accounts/event-store';

/** Where and when an event was stored: what every event a projector receives carries, and a dead letter records. */
export interface EventEnvelope {
  id: string;
  type: string;
  streamName: string;
  revision: bigint;
  position: Position;
  metadata: EventMetadata;
}

/**
 * A domain event as projections see it: upcast to the current schema, personal fields opened (or marked erased when
 * the person's key is gone), secrets still sealed, and its shape checked by the codec, so `type` narrows `data`.
 */
export type ProjectedDomainEvent<T extends DomainEventType = DomainEventType> = T extends DomainEventType
  ? EventEnvelope & Extract<DomainEvent, { type: T }> & { kind: 'domain' }
  : never;

/** An event of a type the domain does not declare (an audit read): it moves the checkpoint, no projection reads it. */
export interface ForeignEvent extends EventEnvelope {
  kind: 'foreign';
}

/**
 * An event the decoder could not read (a tampered ciphertext, an unknown schema version, a malformed shape): every
 * sink parks it in its dead letters with `reason` (an error's class, or a field's name: never a value).
 */
export interface UndecodableEvent extends EventEnvelope {
  kind: 'undecodable';
  reason: string;
}

/** What the decoder hands a sink for each event of a batch. */
export type ProjectedEvent = ProjectedDomainEvent | ForeignEvent | UndecodableEvent;

/** The aggregate an event belongs to: its stream name's suffix (`user-<uuid>`), lower-cased as ids are compared. */
export function aggregateIdOf(event: EventEnvelope): string {
  return event.streamName.slice(event.streamName.indexOf('-') + 1).toLowerCase();
}
