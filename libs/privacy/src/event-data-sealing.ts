import { ERASED } from './data-key-store';
import { ERASED_VALUE, type FieldSealer, isSealed } from './field-sealer';

/** Which fields of an event's data are personal, and which field names their subject (see libs/domain). */
export interface SealingSpec {
  subjectField: string;
  fields: readonly string[];
  /** Fields among `fields` that `openEventData` leaves sealed when asked to keep secrets. */
  secrets?: readonly string[];
}

/** Seals the spec's fields that are present (strings only), leaving the rest of the data as it is. */
export async function sealEventData(
  data: Record<string, unknown>,
  spec: SealingSpec | undefined,
  sealer: FieldSealer,
): Promise<Record<string, unknown>> {
  if (!spec) return data;
  const subjectId = data[spec.subjectField];
  const present = spec.fields.filter((field) => typeof data[field] === 'string');
  if (present.length === 0) return data;
  if (typeof subjectId !== 'string') throw new Error(`personal data without a subject (${spec.subjectField})`);
  const sealed = { ...data };
  for (const field of present) sealed[field] = await sealer.seal(subjectId, data[field] as string);
  return sealed;
}

/**
 * Opens the sealed fields of many events at once, fetching each subject's key once. Fields of erased subjects read
 * as `ERASED_VALUE`; a value that fails authentication throws `TamperedValueError` (the caller parks that event).
 * With `keepSecrets`, the spec's secrets stay as they are: sealed, or `ERASED_VALUE` once their key is gone.
 */
export async function openEventData(
  items: { data: Record<string, unknown>; spec: SealingSpec | undefined }[],
  sealer: FieldSealer,
  options: { keepSecrets?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const toOpen = (spec: SealingSpec) => (options.keepSecrets && spec.secrets ? spec.fields.filter((field) => !spec.secrets!.includes(field)) : spec.fields);
  const kept = (spec: SealingSpec) => (options.keepSecrets ? (spec.secrets ?? []) : []);
  const subjects = items.flatMap(({ data, spec }) =>
    spec && spec.fields.some((field) => isSealed(data[field])) && typeof data[spec.subjectField] === 'string' ? [data[spec.subjectField] as string] : [],
  );
  const keys = subjects.length > 0 ? await sealer.keys.existingKeys(subjects) : new Map();
  return items.map(({ data, spec }) => {
    if (!spec) return data;
    const subjectId = data[spec.subjectField] as string;
    const key = keys.get(subjectId);
    const gone = key === undefined || key === ERASED;
    let opened: Record<string, unknown> | undefined;
    for (const field of toOpen(spec)) {
      const value = data[field];
      if (!isSealed(value)) continue;
      opened ??= { ...data };
      opened[field] = gone ? ERASED_VALUE : sealer.openWith(key, subjectId, value);
    }
    // A kept secret whose key is gone reads as erased like the rest: its ciphertext can never be opened again.
    for (const field of kept(spec)) {
      if (!gone || !isSealed(data[field])) continue;
      opened ??= { ...data };
      opened[field] = ERASED_VALUE;
    }
    return opened ?? data;
  });
}
