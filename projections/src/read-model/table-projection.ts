import type { DomainEventType } from '@accounts/event-codec';
import type { ProjectedDomainEvent, ProjectedEvent } from '../runtime/projected-event';

/**
 * One table of the read model, as a pure function of its events (ZITADEL's reducers, emmett's `evolve` with
 * `canHandle`): which events change it, which row each changes, and the row after the event. No I/O: the projector
 * loads the rows a batch touches, folds the batch with `foldRows`, and writes back the rows that changed.
 */
export interface TableProjection<Row, T extends DomainEventType> {
  readonly canHandle: readonly T[];
  keyOf(event: ProjectedDomainEvent<T>): string;
  /** `undefined` in: no such row yet; `undefined` out: no such row (any more). The same row back: no change. */
  evolve(row: Row | undefined, event: ProjectedDomainEvent<T>): Row | undefined;
}

/** Rows by key; `undefined` means "no such row". */
export type Rows<Row> = Map<string, Row | undefined>;

function handles<T extends DomainEventType>(projection: TableProjection<unknown, T>, event: ProjectedEvent): event is ProjectedDomainEvent<T> {
  return event.kind === 'domain' && (projection.canHandle as readonly DomainEventType[]).includes(event.type);
}

/** The keys of the rows a batch will change: what to load before folding. */
export function keysOf<T extends DomainEventType>(projection: TableProjection<unknown, T>, events: readonly ProjectedEvent[]): Set<string> {
  const keys = new Set<string>();
  for (const event of events) if (handles(projection, event)) keys.add(projection.keyOf(event));
  return keys;
}

/** Applies events in order to `rows` (which must hold every key `keysOf` named, loaded or `undefined`). */
export function foldRows<Row, T extends DomainEventType>(projection: TableProjection<Row, T>, rows: Rows<Row>, events: readonly ProjectedEvent[]): void {
  for (const event of events) {
    if (!handles(projection, event)) continue;
    const key = projection.keyOf(event);
    rows.set(key, projection.evolve(rows.get(key), event));
  }
}
