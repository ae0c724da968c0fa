import { eventTypeFilter, streamNameFilter, type Filter, type Position } from '@eventstore/db-client';
import type { EventFilter } from '../filter';

/**
 * The one filter EventStoreDB applies on the server: it takes either an event-type or a stream-name filter, not
 * both. Stream prefixes win when both are given, as they usually narrow $all the most; the caller applies the rest
 * with `matchesFilter`. Without a filter, system event types are excluded on the server so they never cross the wire.
 * `checkpointReached` sees the server's progress through events it filtered out (subscriptions resume from there).
 */
export function serverSideFilter(filter: EventFilter | undefined, checkpointReached?: (position: Position) => void): Filter {
  const checkpoint = checkpointReached ? { checkpointReached: (_: unknown, position: Position) => checkpointReached(position) } : {};
  if (filter?.streamPrefixes?.length) return streamNameFilter({ prefixes: [...filter.streamPrefixes], ...checkpoint });
  // Exact names as an anchored regex: a prefix filter would also let `UserRenamedTwice` through for `UserRenamed`.
  if (filter?.eventTypes?.length) return eventTypeFilter({ regex: `^(${filter.eventTypes.map(escapeRegex).join('|')})$`, ...checkpoint });
  return eventTypeFilter({ regex: '^[^$]', ...checkpoint });
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
