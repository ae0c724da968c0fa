import { Controller, Get, Inject, Query } from '@nestjs/common';
import { z } from 'zod';
import type { SearchBackend } from '../../../../projections/src/search/search-backend';
import { InvalidCursorError } from '../../../../projections/src/search/search-query';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { ProblemError } from '../http/problem';
import { SEARCH_BACKEND } from '../projections/projections.module';
import { Documented } from '../openapi/documented.decorator';
import { ReadsFrom } from './consistent-with';

const SearchUsersQuery = z.strictObject({
  q: z.string().max(200),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});
const SearchOrganizationsQuery = SearchUsersQuery.extend({ plan: z.enum(['free', 'pro', 'enterprise']).optional() });

/** Search (PostgreSQL full-text and trigrams by default, OpenSearch when configured): best matches first. */
@Controller('v1/search')
@RequiresScope('queries')
export class SearchQueriesHttpController {
  constructor(@Inject(SEARCH_BACKEND) private readonly search: SearchBackend) {}

  @Get('users')
  @ReadsFrom('search')
  @Documented({ summary: 'Users whose email matches (prefix and whole-word first)', query: SearchUsersQuery, errors: ['projection_lagging'] })
  async users(@Query({ schema: SearchUsersQuery }) query: z.infer<typeof SearchUsersQuery>) {
    return this.guard(() => this.search.reader.searchUsers({ q: query.q, limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }));
  }

  @Get('organizations')
  @ReadsFrom('search')
  @Documented({ summary: 'Organizations by name, optionally by plan', query: SearchOrganizationsQuery, errors: ['projection_lagging'] })
  async organizations(@Query({ schema: SearchOrganizationsQuery }) query: z.infer<typeof SearchOrganizationsQuery>) {
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
