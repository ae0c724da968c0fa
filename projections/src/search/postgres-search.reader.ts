import type { Pool } from 'pg';
import {
  clampLimit,
  decodeCursor,
  EMAIL_WORD_SEPARATORS,
  encodeCursor,
  escapeLike,
  normalizeQuery,
  type CursorKeys,
  type OrganizationHit,
  type SearchOrganizationsQuery,
  type SearchPage,
  type SearchReader,
  type SearchUsersQuery,
  type UserHit,
} from './search-query';

/**
 * Search over the PostgreSQL tables (through the live views). Every match is one of: exact (r 0), prefix (r 1, a LIKE
 * with the input's wildcards escaped), whole word (r 2, a 'simple' tsquery built by plainto_tsquery, which takes any
 * text without syntax), trigram word similarity (r 3, ordered by similarity in thousandths, `s`). Ties go by id. Input
 * only ever travels as bind parameters.
 */
export class PostgresSearchReader implements SearchReader {
  constructor(private readonly pool: Pool) {}

  async searchUsers(query: SearchUsersQuery): Promise<SearchPage<UserHit>> {
    const q = normalizeQuery(query.q);
    const after = decodeCursor(query.cursor, 'users');
    if (q === '') return { items: [], nextCursor: null };
    const limit = clampLimit(query.limit);
    const { rows } = await this.pool.query<{ id: string; email: string; r: number; s: number }>(
      `WITH input AS (
         SELECT lower($1::text) AS q, lower($2::text) || '%' AS prefix,
                plainto_tsquery('simple', regexp_replace(lower($1::text), '${EMAIL_WORD_SEPARATORS}', ' ', 'g')) AS words
       ), matched AS (
         SELECT u.id, u.email,
                CASE WHEN u.email_lower = i.q THEN 0 WHEN u.email_lower LIKE i.prefix THEN 1 WHEN u.words @@ i.words THEN 2 ELSE 3 END AS r,
                CASE WHEN u.email_lower LIKE i.prefix OR u.words @@ i.words THEN 0
                     ELSE round(word_similarity(i.q, u.email_lower) * 1000)::int END AS s
           FROM search_users u CROSS JOIN input i
          WHERE u.email IS NOT NULL AND (u.email_lower LIKE i.prefix OR u.words @@ i.words OR i.q <% u.email_lower)
       )
       SELECT id, email, r, s FROM matched
        WHERE $3::int IS NULL OR (r, -s, id) > ($3::int, -$4::int, $5::text COLLATE "C")
        ORDER BY r, s DESC, id
        LIMIT $6`,
      [q, escapeLike(q), after?.r ?? null, after?.s ?? null, after?.id ?? null, limit + 1],
    );
    return page(rows, limit, 'users', (row) => ({ id: row.id, email: row.email }));
  }

  async searchOrganizations(query: SearchOrganizationsQuery): Promise<SearchPage<OrganizationHit>> {
    const q = normalizeQuery(query.q);
    const after = decodeCursor(query.cursor, 'organizations');
    if (q === '') return { items: [], nextCursor: null };
    const limit = clampLimit(query.limit);
    const { rows } = await this.pool.query<{ id: string; name: string; plan: string; r: number; s: number }>(
      `WITH input AS (
         SELECT lower($1::text) AS q, lower($2::text) || '%' AS prefix, plainto_tsquery('simple', $1::text) AS words
       ), matched AS (
         SELECT o.id, o.name, o.plan,
                CASE WHEN o.name_lower = i.q THEN 0 WHEN o.name_lower LIKE i.prefix THEN 1 WHEN o.words @@ i.words THEN 2 ELSE 3 END AS r,
                CASE WHEN o.name_lower LIKE i.prefix OR o.words @@ i.words THEN 0
                     ELSE round(word_similarity(i.q, o.name_lower) * 1000)::int END AS s
           FROM search_organizations o CROSS JOIN input i
          WHERE ($7::text IS NULL OR o.plan = $7::text)
            AND (o.name_lower LIKE i.prefix OR o.words @@ i.words OR i.q <% o.name_lower)
       )
       SELECT id, name, plan, r, s FROM matched
        WHERE $3::int IS NULL OR (r, -s, id) > ($3::int, -$4::int, $5::text COLLATE "C")
        ORDER BY r, s DESC, id
        LIMIT $6`,
      [q, escapeLike(q), after?.r ?? null, after?.s ?? null, after?.id ?? null, limit + 1, query.plan ?? null],
    );
    return page(rows, limit, 'organizations', (row) => ({ id: row.id, name: row.name, plan: row.plan }));
  }
}

function page<Row extends { id: string; r: number; s: number }, Item>(
  rows: Row[],
  limit: number,
  route: CursorKeys['k'],
  toItem: (row: Row) => Item,
): SearchPage<Item> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor({ k: route, r: last.r, s: last.s, id: last.id }) : null;
  return { items: items.map(toItem), nextCursor };
}
