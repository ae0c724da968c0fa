import type { ProjectedEvent } from '../runtime/projected-event';
import { isCompleteDocument, type OrganizationFields, type SearchChange, type SearchCollection } from './search-documents';

/** A document as a sink stores it. `fields: undefined` is a removed document (or a tombstone) at that version. */
export interface StoredDocument {
  version: bigint;
  fields: Record<string, string> | undefined;
}

/** The final state of one document after a batch: written once, with the version of the last change folded in. */
export interface DocumentWrite {
  collection: SearchCollection;
  id: string;
  version: bigint;
  fields: Record<string, string> | undefined;
  /** The events folded into this write: what a sink counts as dead letters if the write fails. */
  events: ProjectedEvent[];
}

export interface FoldedBatch {
  writes: DocumentWrite[];
  /** Partial changes with no stored document to merge into (an organization renamed before it was created). */
  orphans: ProjectedEvent[];
}

export const documentKey = (collection: SearchCollection, id: string) => `${collection}/${id}`;

/** Which documents must be read before folding: those whose first change in the batch is partial. */
export function documentsNeedingBase(changes: readonly { change: SearchChange }[]): { collection: SearchCollection; id: string }[] {
  const seen = new Set<string>();
  const needed: { collection: SearchCollection; id: string }[] = [];
  for (const { change } of changes) {
    const key = documentKey(change.collection, change.id);
    if (seen.has(key)) continue;
    seen.add(key);
    if (!isCompleteDocument(change)) needed.push({ collection: change.collection, id: change.id });
  }
  return needed;
}

/**
 * Folds a batch's changes, in order, onto the stored documents: one write per document. A change whose version is
 * not newer than what is stored is a replay and is skipped, which is what makes replaying a batch harmless.
 */
export function foldChanges(
  changes: readonly { change: SearchChange; event: ProjectedEvent }[],
  stored: ReadonlyMap<string, StoredDocument>,
): FoldedBatch {
  const current = new Map<string, StoredDocument & { collection: SearchCollection; id: string; events: ProjectedEvent[] }>();
  const orphans: ProjectedEvent[] = [];
  for (const { change, event } of changes) {
    const key = documentKey(change.collection, change.id);
    const base = current.get(key) ?? stored.get(key);
    if (base && change.version <= base.version) continue;
    let fields: Record<string, string> | undefined;
    if (change.set === null) fields = undefined;
    else if (isCompleteDocument(change)) fields = definedOnly(change.set);
    else if (base?.fields) fields = { ...base.fields, ...definedOnly(change.set) };
    else {
      orphans.push(event);
      continue;
    }
    const events = [...(current.get(key)?.events ?? []), event];
    current.set(key, { collection: change.collection, id: change.id, version: change.version, fields, events });
  }
  return { writes: [...current.values()], orphans };
}

function definedOnly(set: { email: string } | Partial<OrganizationFields>): Record<string, string> {
  return Object.fromEntries(Object.entries(set).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
