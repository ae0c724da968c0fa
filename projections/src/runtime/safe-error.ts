/**
 * What of an error may be stored or logged: its class and, for PostgreSQL errors, the SQLSTATE and constraint.
 * Never the message, which drivers fill with the offending values (and so, possibly, personal data).
 */
export function describeErrorSafely(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return [error.name, typeof code === 'string' ? code : undefined, typeof constraint === 'string' ? constraint : undefined]
    .filter(Boolean)
    .join(' ');
}
