import type { EventMetadata, Position } from '../../../libs/event-store/src';

/**
 * An event as projectors see it: upcast to the current schema, personal fields opened (or marked erased when the
 * person's key is gone).
 */
export interface ProjectedEvent {
  id: string;
  type: string;
  streamName: string;
  revision: bigint;
  position: Position;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}
