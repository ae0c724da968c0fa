import type { Plan } from '@accounts/domain';
import { aggregateIdOf, type ProjectedEvent } from '../runtime/projected-event';

/**
 * The document builder: the one place that knows which events feed search and which fields they carry. Both sinks
 * (PostgreSQL, OpenSearch) apply what it returns and nothing else, so a renamed event field is a one-line fix here.
 */

export interface OrganizationDocument {
  id: string;
  name: string;
  plan: Plan;
}

export type OrganizationFields = Omit<OrganizationDocument, 'id'>;

/**
 * What one event does to one document. `version` is the stream revision, so later events of a stream always win and
 * a replayed (older) change is ignored. `set: null` removes a user's document (no event removes an organization); a
 * partial `set` (an organization renamed) is merged into the stored document.
 */
export type SearchChange =
  | { collection: 'users'; id: string; version: bigint; set: { email: string } | null }
  | { collection: 'organizations'; id: string; version: bigint; set: Partial<OrganizationFields> };

export type SearchCollection = SearchChange['collection'];

/** The search change an event causes, or undefined when search does not care about the event. */
export function searchChangeFor(event: ProjectedEvent): SearchChange | undefined {
  if (event.kind !== 'domain') return undefined;
  const id = aggregateIdOf(event);
  const version = event.revision;
  switch (event.type) {
    case 'UserRegistered':
    case 'UserEmailChanged': {
      // An erased person's email arrives as a marker: nothing to search by, so no document. This also keeps a replay
      // after erasure from bringing the person back, since every email of theirs reads erased.
      const email = usableEmail(event.data.email);
      return { collection: 'users', id, version, set: email === undefined ? null : { email } };
    }
    case 'UserErased':
      return { collection: 'users', id, version, set: null };
    case 'OrganizationCreated':
      return { collection: 'organizations', id, version, set: { name: event.data.name, plan: event.data.plan } };
    case 'OrganizationRenamed':
      return { collection: 'organizations', id, version, set: { name: event.data.name } };
    case 'PlanChanged':
      return { collection: 'organizations', id, version, set: { plan: event.data.plan } };
    default:
      return undefined;
  }
}

/** True when `set` holds every field of its collection's document, so no stored document is needed as a base. */
export function isCompleteDocument(change: SearchChange): boolean {
  if (change.collection === 'users') return true;
  return change.set.name !== undefined && change.set.plan !== undefined;
}

// Anything that does not look like an address (an erased marker, control characters) counts as absent.
// eslint-disable-next-line no-control-regex
const EMAIL_SHAPE = /^[^\s@\u0000-\u001f]+@[^\s@\u0000-\u001f]+$/u;

function usableEmail(value: string): string | undefined {
  if (value.length > 320 || !EMAIL_SHAPE.test(value)) return undefined;
  return value;
}
