/**
 * The search queries' contract, shared by the PostgreSQL and OpenSearch readers: input normalisation, limits and
 * the opaque keyset cursor.
 */

export interface UserHit {
  id: string;
  email: string;
}

export interface OrganizationHit {
  id: string;
  name: string;
  plan: string;
}

export interface SearchPage<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface SearchUsersQuery {
  q: string;
  limit?: number;
  cursor?: string | null;
}

export interface SearchOrganizationsQuery extends SearchUsersQuery {
  plan?: string;
}

/**
 * Best first: exact match, then prefix, then whole-word, then fuzzy; ties by id. Pages are keyset pages over that
 * order, so a page never repeats or skips an item of an unchanged index.
 */
export interface SearchReader {
  searchUsers(query: SearchUsersQuery): Promise<SearchPage<UserHit>>;
  searchOrganizations(query: SearchOrganizationsQuery): Promise<SearchPage<OrganizationHit>>;
}

/** Rank tiers, best first. */
export const Rank = { exact: 0, prefix: 1, word: 2, fuzzy: 3 } as const;

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
/** Callers refuse longer queries (422); readers cut anything longer that reaches them anyway. */
export const MAX_QUERY_LENGTH = 200;

/** A cursor that was not made by this service, or by another search route. */
export class InvalidCursorError extends Error {
  constructor() {
    super('invalid search cursor');
    this.name = 'InvalidCursorError';
  }
}

/** The query text as readers use it: trimmed, at most 200 characters, no NUL (PostgreSQL text cannot hold one). */
export function normalizeQuery(q: string): string {
  // eslint-disable-next-line no-control-regex
  return Array.from(String(q ?? '').replace(/\u0000/g, '').trim()).slice(0, MAX_QUERY_LENGTH).join('').trim();
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)));
}

/** The sort keys of the last item of a page. `s` orders within a tier (higher first); `k` names the route. */
export interface CursorKeys {
  k: 'users' | 'organizations';
  r: number;
  s: number;
  id: string;
}

/** Ranks are tiers 0 to 3 (OpenSearch's from its score, up to 4); similarity is a rounded thousandth. */
const MAX_RANK = 4;
const MAX_SIMILARITY = 1000;
/** Ids are UUIDs; any plain token of their alphabet passes (it is compared as text), nothing that could fail in SQL. */
const ID = /^[0-9A-Za-z-]{1,64}$/;
const isIntIn = (value: unknown, min: number, max: number) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

export function encodeCursor(keys: CursorKeys): string {
  return Buffer.from(JSON.stringify(keys), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined, route: CursorKeys['k']): CursorKeys | undefined {
  if (cursor === undefined || cursor === null || cursor === '') return undefined;
  if (cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const keys = parsed as Partial<CursorKeys> | null;
  // Held to the ranges this service writes: a forged cursor must never reach SQL (an int out of range, a NUL or a
  // lone surrogate in the id would fail there as a 500).
  if (!keys || keys.k !== route || !isIntIn(keys.r, 0, MAX_RANK) || !isIntIn(keys.s, 0, MAX_SIMILARITY) || typeof keys.id !== 'string' || !ID.test(keys.id)) {
    throw new InvalidCursorError();
  }
  return { k: route, r: keys.r!, s: keys.s!, id: keys.id };
}

/** Escapes LIKE's wildcards and its escape character, so user input only ever matches itself. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** The parts of an email that count as words: split at . _ - + @ (the same split both backends index). */
export const EMAIL_WORD_SEPARATORS = '[._+@-]+';
