import type { EventCodec } from '../../../libs/event-codec/src';
import type { RecordedEvent } from '../../../libs/event-store/src';
import type { ProjectedEvent } from './projected-event';
import type { EventDecoder } from './projection-runner';

/**
 * Projectors see events as the codec decodes them: upcast, personal fields opened or marked erased; secrets
 * (password hashes, payment references) stay sealed, since no projection reads them and what one stores must stay
 * encrypted at rest. It is also half the AES work of a rebuild.
 */
export class ProjectedEventDecoder implements EventDecoder {
  constructor(private readonly codec: EventCodec) {}

  async decode(events: RecordedEvent[]): Promise<(ProjectedEvent | Error)[]> {
    const decoded = await this.codec.decodeEach(events, { keepSecrets: true });
    return decoded.map((event) =>
      event instanceof Error
        ? event
        : {
            id: event.recorded.id,
            type: event.type,
            streamName: event.recorded.streamName,
            revision: event.recorded.revision,
            position: event.recorded.position,
            data: event.data,
            metadata: event.recorded.metadata,
          },
    );
  }
}
