import { Controller, Inject } from '@nestjs/common';
import { z } from 'zod';
import type { SearchBackend } from '@accounts/projections/search/search-backend';
import { InvalidCursorError } from '@accounts/projections/search/search-query';
import { defineRoute, Input, Route, type RouteInput } from '../contract/route-contract';
import { ProblemError } from '../http/problem';
import { SEARCH_BACKEND } from '../projections/projections.module';

const SearchUsersQuery = z.strictObject({
  q: z.string().max(200),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});
const SearchOrganizationsQuery = SearchUsersQuery.extend({ plan: z.enum(['free', 'pro', 'enterprise']).optional() });

const Page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const UserHit = z.object({ id: z.uuid(), email: z.string() });
const OrganizationHit = z.object({ id: z.uuid(), name: z.string(), plan: z.string() });

export const SearchUsersRoute = defineRoute({
  id: 'searchUsers',
  summary: 'Users whose email matches (prefix and whole-word first)',
  method: 'GET',
  path: '/v1/search/users',
  scope: 'queries',
  readsFrom: 'search',
  query: SearchUsersQuery,
  responses: { 200: Page(UserHit) },
});

export const SearchOrganizationsRoute = defineRoute({
  id: 'searchOrganizations',
  summary: 'Organizations by name, optionally by plan',
  method: 'GET',
  path: '/v1/search/organizations',
  scope: 'queries',
  readsFrom: 'search',
  query: SearchOrganizationsQuery,
  responses: { 200: Page(OrganizationHit) },
});

/** Search (PostgreSQL full-text and trigrams by default, OpenSearch when configured): best matches first. */
@Controller()
export class SearchQueriesHttpController {
  constructor(@Inject(SEARCH_BACKEND) private readonly search: SearchBackend) {}

  @Route(SearchUsersRoute)
  async users(@Input() { query }: RouteInput<typeof SearchUsersRoute>) {
    return this.guard(() => this.search.reader.searchUsers({ q: query.q, limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }));
  }

  @Route(SearchOrganizationsRoute)
  async organizations(@Input() { query }: RouteInput<typeof SearchOrganizationsRoute>) {
    return this.guard(() =>
      this.search.reader.searchOrganizations({ q: query.q, limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}), ...(query.plan ? { plan: query.plan } : {}) }),
    );
  }

  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new ProblemError('validation_failed', 'The cursor is not one this service returned.', [{ field: 'cursor', message: 'invalid cursor' }]);
      throw error;
    }
  }
}
