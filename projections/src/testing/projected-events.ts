import { randomUUID } from 'node:crypto';
import type { DomainEventOf, DomainEventType } from '@accounts/event-codec';
import type { ProjectedDomainEvent, ProjectedEvent } from '../runtime/projected-event';
import { projectedPlainEvent } from '../runtime/projected-event-decoder';

let position = 0n;

// Every time field of the domain's events: `partial` fills them in, and the shape check drops those a type lacks.
const TIME_FIELDS = ['registeredAt', 'changedAt', 'at', 'erasedAt', 'createdAt', 'renamedAt', 'transferredAt', 'setAt', 'joinedAt', 'removedAt', 'leftAt'];

/**
 * The events of one stream as a projector receives them, for tests: revisions and global positions count up, and
 * each event goes through the decoder's shape check, so a test sees what production would.
 */
export function eventStream(streamName: string) {
  let revision = 0n;
  const id = streamName.slice(streamName.indexOf('-') + 1);
  const idField = streamName.startsWith('organization-') ? 'organizationId' : 'userId';
  const next = (type: string, data: unknown, at = revision++): ProjectedEvent => {
    position++;
    const stored = { id: randomUUID(), type, streamName, revision: at, position: { commit: position, prepare: position }, data, metadata: { occurredAt: new Date().toISOString() } };
    return projectedPlainEvent(stored);
  };
  return {
    /** A domain event; the compiler checks `data` against the domain's type. `at`: the revision, if not the next. */
    event<T extends DomainEventType>(type: T, data: DomainEventOf<T>['data'], at?: bigint): ProjectedDomainEvent<T> {
      const event = next(type, data, at);
      if (event.kind !== 'domain') throw new Error(`test event ${type} is ${event.kind}: ${event.kind === 'undecodable' ? event.reason : ''}`);
      return event as ProjectedDomainEvent<T>;
    },
    /** Any type and data (a malformed event, an audit read), decoded as the decoder would decode it. */
    raw: (type: string, data: unknown, at?: bigint): ProjectedEvent => next(type, data, at),
    /**
     * An event that states only what a test is about: the stream's id and the event's time are filled in where
     * `data` leaves them out. Whatever else is missing or wrong makes it undecodable, as in production.
     */
    partial(type: string, data: Record<string, unknown>, at?: bigint): ProjectedEvent {
      const now = new Date().toISOString();
      return next(type, { [idField]: id, ...Object.fromEntries(TIME_FIELDS.map((field) => [field, now])), ...data }, at);
    },
  };
}
