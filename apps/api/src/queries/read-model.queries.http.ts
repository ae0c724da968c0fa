import { Controller, Get, Inject, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import type { Pool } from 'pg';
import { z } from 'zod';
import { DomainError, normaliseEmail } from '../../../../libs/domain/src';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { ProblemError } from '../http/problem';
import { PG_POOL } from '../infrastructure/tokens';
import { Documented } from '../openapi/documented.decorator';
import { ReadsFrom } from './consistent-with';

const MembersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
const UserByEmailQuery = z.strictObject({ email: z.string().min(1).max(1024) });

interface UserRow {
  id: string;
  email: string;
  created_at: Date;
  last_login_at: Date | null;
  avatar_url: string | null;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Cursor for member pages: the last item's (joinedAt, userId), opaque to callers. */
function encodeCursor(joinedAt: Date, userId: string): string {
  return Buffer.from(JSON.stringify([joinedAt.toISOString(), userId])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const [joinedAt, userId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof joinedAt === 'string' && !Number.isNaN(Date.parse(joinedAt)) && typeof userId === 'string' && /^[0-9a-f-]{36}$/.test(userId)) return [joinedAt, userId];
  } catch {
    /* fall through */
  }
  throw new ProblemError('validation_failed', 'The cursor is not one this service returned.', [{ field: 'cursor', message: 'invalid cursor' }]);
}

/** Queries of the PostgreSQL read model (the views `users`, `organizations`, `memberships`). */
@Controller('v1')
@RequiresScope('queries')
export class ReadModelQueriesHttpController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get('users/:id')
  @ReadsFrom('read_model')
  @Documented({ summary: 'A user with their memberships', errors: ['user_not_found', 'projection_lagging'] })
  async user(@Param('id', new ParseUUIDPipe()) id: string) {
    const { rows } = await this.pool.query<UserRow>(
      'SELECT id, email, created_at, last_login_at, avatar_url FROM users WHERE id = $1 AND erased_at IS NULL',
      [id.toLowerCase()],
    );
    return this.withMemberships(rows[0]);
  }

  @Get('users')
  @ReadsFrom('read_model')
  @Documented({ summary: 'The user with this email (normalised)', query: UserByEmailQuery, errors: ['user_not_found', 'projection_lagging'] })
  async userByEmail(@Query({ schema: UserByEmailQuery }) query: z.infer<typeof UserByEmailQuery>) {
    const { rows } = await this.pool.query<UserRow>(
      'SELECT id, email, created_at, last_login_at, avatar_url FROM users WHERE email = $1 AND erased_at IS NULL',
      [normaliseEmail(query.email)],
    );
    return this.withMemberships(rows[0]);
  }

  @Get('organizations/:id')
  @ReadsFrom('read_model')
  @Documented({ summary: 'An organization', errors: ['organization_not_found', 'projection_lagging'] })
  async organization(@Param('id', new ParseUUIDPipe()) id: string) {
    const { rows } = await this.pool.query<{ id: string; name: string; plan: string; owner_id: string; member_count: number; logo_url: string | null }>(
      'SELECT id, name, plan, owner_id, member_count, logo_url FROM organizations WHERE id = $1',
      [id.toLowerCase()],
    );
    const row = rows[0];
    if (!row) throw new DomainError('organization_not_found', 'No such organization.');
    return { id: row.id, name: row.name, plan: row.plan, ownerId: row.owner_id, memberCount: row.member_count, logoUrl: row.logo_url };
  }

  @Get('organizations/:id/members')
  @ReadsFrom('read_model')
  @Documented({ summary: 'Members of an organization, oldest first, in pages', query: MembersQuery, errors: ['organization_not_found', 'projection_lagging'] })
  async members(@Param('id', new ParseUUIDPipe()) id: string, @Query({ schema: MembersQuery }) query: z.infer<typeof MembersQuery>) {
    const organizationId = id.toLowerCase();
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const { rows } = await this.pool.query<{ user_id: string; email: string | null; role: string; joined_at: Date; exists: boolean }>(
      `SELECT m.user_id, u.email, m.role, m.joined_at
         FROM memberships m LEFT JOIN users u ON u.id = m.user_id
        WHERE m.org_id = $1 ${after ? 'AND (m.joined_at, m.user_id) > ($3::timestamptz, $4::uuid)' : ''}
        ORDER BY m.joined_at, m.user_id
        LIMIT $2`,
      [organizationId, query.limit + 1, ...(after ?? [])],
    );
    if (rows.length === 0 && !after) {
      const exists = await this.pool.query('SELECT 1 FROM organizations WHERE id = $1', [organizationId]);
      if (exists.rowCount === 0) throw new DomainError('organization_not_found', 'No such organization.');
    }
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({ userId: row.user_id, email: row.email, role: row.role, joinedAt: row.joined_at.toISOString() })),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.joined_at, last.user_id) : null,
    };
  }

  private async withMemberships(row: UserRow | undefined) {
    if (!row) throw new DomainError('user_not_found', 'No such user.');
    const { rows } = await this.pool.query<{ org_id: string; role: string; joined_at: Date }>(
      'SELECT org_id, role, joined_at FROM memberships WHERE user_id = $1 ORDER BY joined_at, org_id',
      [row.id],
    );
    return {
      id: row.id,
      email: row.email,
      createdAt: iso(row.created_at),
      lastLoginAt: iso(row.last_login_at),
      avatarUrl: row.avatar_url,
      memberships: rows.map((m) => ({ organizationId: m.org_id, role: m.role, joinedAt: m.joined_at.toISOString() })),
    };
  }
}
