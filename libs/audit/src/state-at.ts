import type { DecodedEvent } from '@accounts/event-codec';
import type { AuditReader } from './audit-reader';
import { reviewState } from './audit-view';

/**
 * `at` is neither a revision nor an ISO-8601 time. It carries a stable code and field errors, the shape the API's
 * problem filter recognises (a 422 `validation_failed` naming `at`), so this library needs no HTTP import.
 */
export class InvalidAtError extends Error {
  readonly code = 'validation_failed';
  readonly fieldErrors = [{ field: 'at', message: 'expected a revision (0, 1, …) or an ISO-8601 time' }];

  constructor() {
    super('at must be a revision or an ISO-8601 time.');
    this.name = 'InvalidAtError';
  }
}

/** `at` is a stream revision (digits) or an ISO-8601 time. */
export function parseAt(at: string): { revision: bigint } | { time: number } {
  if (/^\d{1,18}$/.test(at)) return { revision: BigInt(at) };
  const time = Date.parse(at);
  if (/^\d{4}-\d{2}-\d{2}/.test(at) && !Number.isNaN(time)) return { time };
  throw new InvalidAtError();
}

/** The decider's part that folds events: the same fold and initial state that production folds events with. */
export interface Evolver {
  initialState(): object;
  fold(state: never, events: never): object;
}

/**
 * The entity `stream` holds, as it was at `at` (a revision, inclusive, or a time), folded by `decider`; undefined when
 * the stream does not exist. Personal data masked unless `pii`.
 */
export async function stateAt(reader: AuditReader, stream: string, decider: Evolver, rawAt: string, pii: boolean) {
  const at = parseAt(rawAt);
  const events = await reader.decodedStream(stream);
  if (events.length === 0) return undefined;
  const upTo = (event: DecodedEvent) => ('revision' in at ? event.recorded.revision <= at.revision : Date.parse(event.recorded.metadata.occurredAt) <= at.time);
  const applied = events.filter(upTo);
  const state = decider.fold(decider.initialState() as never, applied as never);
  const last = applied.at(-1);
  return {
    at: rawAt,
    revision: last ? last.recorded.revision.toString() : null,
    occurredAt: last ? last.recorded.metadata.occurredAt : null,
    state: reviewState(state, pii),
    masked: !pii,
  };
}
