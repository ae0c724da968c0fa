/**
 * Which events of $all a reader wants. Both lists empty or absent: every event. When both are given an event
 * must match both. System events (types starting with `$`) are never delivered.
 */
export interface EventFilter {
  /** Exact event type names. */
  eventTypes?: readonly string[];
  /** Stream name prefixes, such as `user-`. */
  streamPrefixes?: readonly string[];
}

export function matchesFilter(filter: EventFilter | undefined, event: { type: string; streamName: string }): boolean {
  if (event.type.startsWith('$')) return false;
  if (!filter) return true;
  if (filter.eventTypes?.length && !filter.eventTypes.includes(event.type)) return false;
  if (filter.streamPrefixes?.length && !filter.streamPrefixes.some((prefix) => event.streamName.startsWith(prefix))) {
    return false;
  }
  return true;
}
