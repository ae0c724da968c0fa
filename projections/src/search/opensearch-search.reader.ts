import type { Client } from '@opensearch-project/opensearch';
import { SearchClusterUnavailableError } from './opensearch-errors';
import { SearchIndexNames } from './opensearch-indices';
import {
  clampLimit,
  decodeCursor,
  encodeCursor,
  normalizeQuery,
  Rank,
  type CursorKeys,
  type OrganizationHit,
  type SearchOrganizationsQuery,
  type SearchPage,
  type SearchReader,
  type SearchUsersQuery,
  type UserHit,
} from './search-query';

/** Tiers become constant scores (exact 4 … fuzzy 1): dis_max keeps a document's best tier, and the sort is exact. */
const scoreOf = (rank: number) => 4 - rank;
const rankOf = (score: number) => 4 - Math.round(score);

const tier = (rank: number, filter: object) => ({ constant_score: { filter, boost: scoreOf(rank) } });

/**
 * Search in OpenSearch, through the aliases. Only term, prefix and match queries: the input is never parsed as query
 * syntax, so wildcards and operators in it match only themselves. Pages go by search_after on (score, id).
 */
export class OpenSearchSearchReader implements SearchReader {
  private readonly names: SearchIndexNames;

  constructor(
    private readonly client: Client,
    options: { prefix?: string } = {},
  ) {
    // Only the aliases are used here, and they do not depend on the version.
    this.names = new SearchIndexNames(1, options.prefix);
  }

  /** The search request for users; exposed so tests can assert the query DSL. */
  usersRequest(q: string, limit: number, after: CursorKeys | undefined): { index: string; body: Record<string, unknown> } {
    const lower = q.toLowerCase();
    const query = {
      dis_max: {
        tie_breaker: 0,
        queries: [
          tier(Rank.exact, { term: { email: lower } }),
          tier(Rank.prefix, { prefix: { 'email.prefix': lower } }),
          tier(Rank.word, { match: { 'email.words': { query: q, operator: 'and' } } }),
          tier(Rank.fuzzy, { match: { 'email.trigrams': { query: q, minimum_should_match: '60%' } } }),
        ],
      },
    };
    return { index: this.names.alias('users'), body: pageBody(query, limit, after, ['id', 'email']) };
  }

  organizationsRequest(q: string, plan: string | undefined, limit: number, after: CursorKeys | undefined) {
    const lower = q.toLowerCase();
    const ranked = {
      dis_max: {
        tie_breaker: 0,
        queries: [
          tier(Rank.exact, { term: { 'name.keyword': lower } }),
          tier(Rank.prefix, { prefix: { 'name.prefix': lower } }),
          tier(Rank.word, { match: { name: { query: q, operator: 'and' } } }),
          tier(Rank.fuzzy, { match: { 'name.trigrams': { query: q, minimum_should_match: '60%' } } }),
        ],
      },
    };
    // A filter clause does not score, so the tiers' scores stay as they are.
    const query = plan === undefined ? ranked : { bool: { must: [ranked], filter: [{ term: { plan } }] } };
    return { index: this.names.alias('organizations'), body: pageBody(query, limit, after, ['id', 'name', 'plan']) };
  }

  async searchUsers(query: SearchUsersQuery): Promise<SearchPage<UserHit>> {
    const q = normalizeQuery(query.q);
    const after = decodeCursor(query.cursor, 'users');
    if (q === '') return { items: [], nextCursor: null };
    const limit = clampLimit(query.limit);
    const hits = await this.search(this.usersRequest(q, limit, after));
    return page(hits, limit, 'users', (source) => ({ id: String(source['id']), email: String(source['email']) }));
  }

  async searchOrganizations(query: SearchOrganizationsQuery): Promise<SearchPage<OrganizationHit>> {
    const q = normalizeQuery(query.q);
    const after = decodeCursor(query.cursor, 'organizations');
    if (q === '') return { items: [], nextCursor: null };
    const limit = clampLimit(query.limit);
    const hits = await this.search(this.organizationsRequest(q, query.plan, limit, after));
    return page(hits, limit, 'organizations', (source) => ({
      id: String(source['id']),
      name: String(source['name']),
      plan: String(source['plan']),
    }));
  }

  private async search(request: { index: string; body: Record<string, unknown> }): Promise<Hit[]> {
    try {
      const { body } = await this.client.search(request);
      return (body as { hits: { hits: Hit[] } }).hits.hits;
    } catch (error) {
      throw new SearchClusterUnavailableError('search', error);
    }
  }
}

interface Hit {
  _score: number | null;
  _source?: Record<string, unknown>;
  sort?: unknown[];
}

function pageBody(query: object, limit: number, after: CursorKeys | undefined, fields: string[]): Record<string, unknown> {
  return {
    size: limit + 1,
    query,
    sort: [{ _score: { order: 'desc' } }, { id: { order: 'asc' } }],
    ...(after ? { search_after: [scoreOf(after.r), after.id] } : {}),
    _source: fields,
    track_total_hits: false,
  };
}

function page<Item>(hits: Hit[], limit: number, route: CursorKeys['k'], toItem: (source: Record<string, unknown>) => Item): SearchPage<Item> {
  const shown = hits.slice(0, limit);
  const last = shown.at(-1);
  const nextCursor =
    hits.length > limit && last
      ? encodeCursor({ k: route, r: rankOf(Number(last.sort?.[0] ?? last._score ?? 0)), s: 0, id: String(last._source?.['id']) })
      : null;
  return { items: shown.map((hit) => toItem(hit._source ?? {})), nextCursor };
}
