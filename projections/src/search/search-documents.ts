import type { ProjectedEvent } from '../runtime/projected-event';

/**
 * The document builder: the one place that knows which events feed search and which fields they carry. Both sinks
 * (PostgreSQL, OpenSearch) apply what it returns and nothing else, so a renamed event field is a one-line fix here.
 */

export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export interface UserDocument {
  id: string;
  email: string;
}

export interface OrganizationDocument {
  id: string;
  name: string;
  plan: string;
}

export type OrganizationFields = Omit<OrganizationDocument, 'id'>;

/**
 * What one event does to one document. `version` is the stream revision, so later events of a stream always win and
 * a replayed (older) change is ignored. `set: null` removes the document; a partial `set` (an organization renamed)
 * is merged into the stored document.
 */
export type SearchChange =
  | { collection: 'users'; id: string; version: bigint; set: { email: string } | null }
  | { collection: 'organizations'; id: string; version: bigint; set: Partial<OrganizationFields> | null };

export type SearchCollection = SearchChange['collection'];

/** Thrown for an event that lacks a field search needs; sinks park or count it. Names the field, never the data. */
export class MalformedSearchEventError extends Error {
  constructor(type: string, field: string) {
    super(`${type} lacks ${field}`);
    this.name = 'MalformedSearchEventError';
  }
}

/** The search change an event causes, or undefined when search does not care about the event. */
export function searchChangeFor(event: ProjectedEvent): SearchChange | undefined {
  const version = event.revision;
  switch (event.type) {
    case 'UserRegistered':
    case 'UserEmailChanged': {
      // An erased person's email arrives as a marker (or not at all): nothing to search by, so no document. This
      // also keeps a replay after erasure from bringing the person back, since every email of theirs reads erased.
      const email = usableEmail(event.data['email']);
      return { collection: 'users', id: streamId(event), version, set: email === undefined ? null : { email } };
    }
    case 'UserErased':
      return { collection: 'users', id: streamId(event), version, set: null };
    case 'OrganizationCreated':
      return {
        collection: 'organizations',
        id: streamId(event),
        version,
        set: { name: requiredText(event, 'name'), plan: optionalText(event, 'plan') ?? 'free' },
      };
    case 'OrganizationRenamed':
      return { collection: 'organizations', id: streamId(event), version, set: { name: requiredText(event, 'name') } };
    case 'PlanChanged':
      return { collection: 'organizations', id: streamId(event), version, set: { plan: requiredText(event, 'plan') } };
    default:
      return undefined;
  }
}

/** True when `set` holds every field of its collection's document, so no stored document is needed as a base. */
export function isCompleteDocument(change: SearchChange): boolean {
  if (change.set === null) return true;
  if (change.collection === 'users') return true;
  return change.set.name !== undefined && change.set.plan !== undefined;
}

// The aggregate id is the stream name's suffix (`user-<uuid>`); stream names carry no personal data.
function streamId(event: ProjectedEvent): string {
  return event.streamName.slice(event.streamName.indexOf('-') + 1).toLowerCase();
}

function optionalText(event: ProjectedEvent, field: string): string | undefined {
  const value = event.data[field];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function requiredText(event: ProjectedEvent, field: string): string {
  const value = optionalText(event, field);
  if (value === undefined) throw new MalformedSearchEventError(event.type, field);
  return value;
}

// Anything that does not look like an address (an erased marker, a non-string, control characters) counts as absent.
// eslint-disable-next-line no-control-regex
const EMAIL_SHAPE = /^[^\s@\u0000-\u001f]+@[^\s@\u0000-\u001f]+$/u;

function usableEmail(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 320 || !EMAIL_SHAPE.test(value)) return undefined;
  return value;
}
