import { checkEventShape, type DecodeOutcome, type EventCodec } from '@accounts/event-codec';
import type { RecordedEvent } from '@accounts/event-store';
import type { ProjectedEvent } from './projected-event';
import type { EventDecoder } from './projection-runner';

/**
 * Projectors see events as the codec decodes them: upcast, personal fields opened or marked erased, shapes checked
 * against the domain's types; secrets (password hashes, payment references) stay sealed, since no projection reads
 * them and what one stores must stay encrypted at rest. It is also half the AES work of a rebuild.
 */
export class ProjectedEventDecoder implements EventDecoder {
  constructor(private readonly codec: EventCodec) {}

  async decode(events: RecordedEvent[]): Promise<ProjectedEvent[]> {
    return (await this.codec.decodeEach(events, { keepSecrets: true })).map(projectedEventOf);
  }
}

/** A decoded outcome as a sink receives it: the stored event's envelope with the typed event or the reason. */
export function projectedEventOf(outcome: DecodeOutcome): ProjectedEvent {
  const { recorded } = outcome;
  const envelope = { id: recorded.id, type: recorded.type, streamName: recorded.streamName, revision: recorded.revision, position: recorded.position, metadata: recorded.metadata };
  switch (outcome.kind) {
    case 'domain':
      return { ...envelope, ...outcome.event, kind: 'domain' } as ProjectedEvent;
    case 'foreign':
      return { ...envelope, kind: 'foreign' };
    case 'undecodable':
      return { ...envelope, kind: 'undecodable', reason: outcome.reason };
  }
}

/** An event stored with plain data (nothing sealed), checked as the decoder checks it: for tests and tools. */
export function projectedPlainEvent(recorded: RecordedEvent): ProjectedEvent {
  return projectedEventOf({ ...checkEventShape(recorded.type, recorded.data), recorded });
}
