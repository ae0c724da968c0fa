import type { DomainEventType } from '@accounts/event-codec';
import type { ProjectedEvent } from '../runtime/projected-event';
import { foldRows, keysOf, type Rows, type TableProjection } from '../read-model/table-projection';

/**
 * Given/when/then for a table's projection, with no I/O (emmett's projection specs):
 * `spec.given(history).when(...events).then(expectedRows)`. The events are folded as the projector folds a batch,
 * onto an empty table; `then` lists the rows that exist afterwards, in the order they were first touched.
 */
export function projectionSpecification<Row, T extends DomainEventType>(projection: TableProjection<Row, T>) {
  return {
    given(history: ProjectedEvent[] = []) {
      return {
        when(...events: ProjectedEvent[]) {
          const all = [...history, ...events];
          const rows: Rows<Row> = new Map([...keysOf(projection, all)].map((key) => [key, undefined]));
          foldRows(projection, rows, all);
          return {
            then(expected: Row[]): void {
              expect([...rows.values()].filter((row) => row !== undefined)).toEqual(expected);
            },
          };
        },
      };
    },
  };
}
