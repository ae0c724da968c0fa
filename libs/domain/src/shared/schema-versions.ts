/**
 * Every event's data shape has a version. Old shapes are upcast when read, never rewritten in the store. All events
 * are at version 1 today; when a shape changes, bump its version here and add a step to `upcast`.
 */
export const CURRENT_SCHEMA_VERSION: Readonly<Record<string, number>> = {};

export function schemaVersionOf(eventType: string): number {
  return CURRENT_SCHEMA_VERSION[eventType] ?? 1;
}

export class UnknownSchemaVersionError extends Error {
  constructor(eventType: string, version: number) {
    super(`${eventType} has schema version ${version}, newer than this code knows`);
    this.name = 'UnknownSchemaVersionError';
  }
}

/** Brings an event's data from the version it was stored with to the current one. */
export function upcast(eventType: string, version: number, data: Record<string, unknown>): Record<string, unknown> {
  const current = schemaVersionOf(eventType);
  if (version > current) throw new UnknownSchemaVersionError(eventType, version);
  return data; // no shape has changed yet
}
