import { Controller, Inject } from '@nestjs/common';
import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { DomainError, normaliseEmail } from '@accounts/domain';
import { defineRoute, Input, Route, type RouteInput } from '../contract/route-contract';
import { PathId } from '../http/ids';
import { ProblemError } from '../http/problem';
import { READ_MODEL_DB } from '../infrastructure/tokens';

const MembersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
const UserByEmailQuery = z.strictObject({ email: z.string().min(1).max(1024) });

// Rows as the read model holds them; slonik checks each row against its schema. Timestamps arrive as epoch ms.
const UserRow = z.object({
  id: z.string(),
  email: z.string().nullable(),
  created_at: z.number(),
  last_login_at: z.number().nullable(),
  avatar_url: z.string().nullable(),
  email_verified: z.boolean(),
});
const MembershipOfUser = z.object({ org_id: z.string(), role: z.string(), joined_at: z.number() });
const OrganizationRow = z.object({ id: z.string(), name: z.string(), plan: z.string(), owner_id: z.string(), member_count: z.number(), logo_url: z.string().nullable() });
const MemberRow = z.object({ user_id: z.string(), email: z.string().nullable(), role: z.string(), joined_at: z.number() });

const iso = (epochMs: number | null) => (epochMs === null ? null : new Date(epochMs).toISOString());

/** Cursor for member pages: the last item's (joinedAt, userId), opaque to callers. */
function encodeCursor(joinedAt: number, userId: string): string {
  return Buffer.from(JSON.stringify([new Date(joinedAt).toISOString(), userId])).toString('base64url');
}

/** What `encodeCursor` writes, and nothing else: a forged time or id must never reach SQL (there it fails as a 500). */
const MemberCursor = z.tuple([z.iso.datetime(), z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)]);

function decodeCursor(cursor: string): [string, string] {
  try {
    const parsed = MemberCursor.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success && /^[A-Za-z0-9_-]+$/.test(cursor)) return parsed.data;
  } catch {
    /* fall through */
  }
  throw new ProblemError('validation_failed', 'The cursor is not one this service returned.', [{ field: 'cursor', message: 'invalid cursor' }]);
}

const isoOrNull = z.iso.datetime().nullable();
const UserView = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  /** The current address was proved with the token mailed to it (issue 16). */
  emailVerified: z.boolean(),
  createdAt: isoOrNull,
  lastLoginAt: isoOrNull,
  avatarUrl: z.string().nullable(),
  memberships: z.array(z.object({ organizationId: z.uuid(), role: z.string(), joinedAt: isoOrNull })),
});
const OrganizationView = z.object({ id: z.uuid(), name: z.string(), plan: z.string(), ownerId: z.uuid(), memberCount: z.number().int(), logoUrl: z.string().nullable() });
const MembersPage = z.object({
  items: z.array(z.object({ userId: z.uuid(), email: z.string().nullable(), role: z.string(), joinedAt: isoOrNull })),
  nextCursor: z.string().nullable(),
});

export const GetUserRoute = defineRoute({
  id: 'getUser',
  summary: 'A user with their memberships',
  method: 'GET',
  path: '/v1/users/:id',
  scope: 'queries',
  readsFrom: 'read_model',
  params: { id: PathId },
  responses: { 200: UserView },
  errors: ['user_not_found'],
});

export const FindUserByEmailRoute = defineRoute({
  id: 'findUserByEmail',
  summary: 'The user with this email (normalised)',
  method: 'GET',
  path: '/v1/users',
  scope: 'queries',
  readsFrom: 'read_model',
  query: UserByEmailQuery,
  responses: { 200: UserView },
  errors: ['user_not_found'],
});

export const GetOrganizationRoute = defineRoute({
  id: 'getOrganization',
  summary: 'An organization',
  method: 'GET',
  path: '/v1/organizations/:id',
  scope: 'queries',
  readsFrom: 'read_model',
  params: { id: PathId },
  responses: { 200: OrganizationView },
  errors: ['organization_not_found'],
});

export const ListMembersRoute = defineRoute({
  id: 'listMembers',
  summary: 'Members of an organization, oldest first, in pages',
  method: 'GET',
  path: '/v1/organizations/:id/members',
  scope: 'queries',
  readsFrom: 'read_model',
  params: { id: PathId },
  query: MembersQuery,
  responses: { 200: MembersPage },
  errors: ['organization_not_found'],
});

/** Queries of the PostgreSQL read model (the views `users`, `organizations`, `memberships`), through slonik. */
@Controller()
export class ReadModelQueriesHttpController {
  constructor(@Inject(READ_MODEL_DB) private readonly db: DatabasePool) {}

  @Route(GetUserRoute)
  async user(@Input() { params: { id } }: RouteInput<typeof GetUserRoute>) {
    const row = await this.db.maybeOne(
      sql.type(UserRow)`SELECT id, email, created_at, last_login_at, avatar_url, email_verified FROM users WHERE id = ${id} AND erased_at IS NULL`,
    );
    return this.withMemberships(row);
  }

  @Route(FindUserByEmailRoute)
  async userByEmail(@Input() { query }: RouteInput<typeof FindUserByEmailRoute>) {
    const row = await this.db.maybeOne(
      sql.type(UserRow)`SELECT id, email, created_at, last_login_at, avatar_url, email_verified FROM users WHERE email = ${normaliseEmail(query.email)} AND erased_at IS NULL`,
    );
    return this.withMemberships(row);
  }

  @Route(GetOrganizationRoute)
  async organization(@Input() { params: { id } }: RouteInput<typeof GetOrganizationRoute>) {
    const row = await this.db.maybeOne(
      sql.type(OrganizationRow)`SELECT id, name, plan, owner_id, member_count, logo_url FROM organizations WHERE id = ${id}`,
    );
    if (!row) throw new DomainError('organization_not_found', 'No such organization.');
    return { id: row.id, name: row.name, plan: row.plan, ownerId: row.owner_id, memberCount: row.member_count, logoUrl: row.logo_url };
  }

  @Route(ListMembersRoute)
  async members(@Input() { params: { id: organizationId }, query }: RouteInput<typeof ListMembersRoute>) {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.db.any(sql.type(MemberRow)`
      SELECT m.user_id, u.email, m.role, m.joined_at
        FROM memberships m LEFT JOIN users u ON u.id = m.user_id
       WHERE m.org_id = ${organizationId}
         ${after ? sql.fragment`AND (m.joined_at, m.user_id) > (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql.fragment``}
       ORDER BY m.joined_at, m.user_id
       LIMIT ${query.limit + 1}`);
    if (rows.length === 0 && !after) {
      const exists = await this.db.exists(sql.unsafe`SELECT 1 FROM organizations WHERE id = ${organizationId}`);
      if (!exists) throw new DomainError('organization_not_found', 'No such organization.');
    }
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({ userId: row.user_id, email: row.email, role: row.role, joinedAt: iso(row.joined_at) })),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.joined_at, last.user_id) : null,
    };
  }

  private async withMemberships(row: z.infer<typeof UserRow> | null) {
    if (!row) throw new DomainError('user_not_found', 'No such user.');
    const memberships = await this.db.any(
      sql.type(MembershipOfUser)`SELECT org_id, role, joined_at FROM memberships WHERE user_id = ${row.id} ORDER BY joined_at, org_id`,
    );
    return {
      id: row.id,
      email: row.email,
      emailVerified: row.email_verified,
      createdAt: iso(row.created_at),
      lastLoginAt: iso(row.last_login_at),
      avatarUrl: row.avatar_url,
      memberships: memberships.map((m) => ({ organizationId: m.org_id, role: m.role, joinedAt: iso(m.joined_at) })),
    };
  }
}
