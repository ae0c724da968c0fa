/**
 * A global position in $all. Two numbers, as EventStoreDB has them (commit, prepare): the PostgreSQL adapter stores
 * the committing transaction id as `commit` and the row's sequence number as `prepare`, because ordering by
 * (transaction id, sequence) is what keeps a reader from skipping an event that a slower transaction commits late.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export function isAfter(a: Position, b: Position): boolean {
  return comparePositions(a, b) > 0;
}

/** `"<commit>-<prepare>"`: the form positions take in HTTP headers, checkpoints and the CLI. */
export function formatPosition(position: Position): string {
  return `${position.commit}-${position.prepare}`;
}

const POSITION_PATTERN = /^(\d{1,20})-(\d{1,20})$/;

/** Parses `formatPosition`'s output; undefined for anything else. */
export function parsePosition(text: string): Position | undefined {
  const match = POSITION_PATTERN.exec(text);
  if (!match) return undefined;
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}
