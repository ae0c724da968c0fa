import { Controller, Inject } from '@nestjs/common';
import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { DomainError } from '@accounts/domain';
import { ERASED, FieldSealer, isSealed } from '@accounts/privacy';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { PathId } from '../../http/ids';
import { ProblemError } from '../../http/problem';
import { READ_MODEL_DB } from '../../infrastructure/tokens';

const STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;
const InvitationsQuery = z.strictObject({
  status: z.enum(STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

// Timestamps arrive as epoch ms; `email` is sealed with the invitation's key (or null once it is gone).
const InvitationRow = z.object({
  id: z.string(),
  email: z.string().nullable(),
  role: z.string(),
  status: z.string(),
  invited_by: z.string(),
  created_at: z.number(),
  expires_at: z.number(),
});

const iso = (epochMs: number) => new Date(epochMs).toISOString();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const InvitationCursor = z.tuple([z.iso.datetime(), z.string().regex(UUID)]);

/** The last item's (createdAt, id), opaque to callers. */
const encodeCursor = (createdAt: number, id: string) => Buffer.from(JSON.stringify([iso(createdAt), id])).toString('base64url');

function decodeCursor(cursor: string): [string, string] {
  try {
    const parsed = InvitationCursor.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success && /^[A-Za-z0-9_-]+$/.test(cursor)) return parsed.data;
  } catch {
    /* fall through */
  }
  throw new ProblemError('validation_failed', 'The cursor is not one this service returned.', [{ field: 'cursor', message: 'invalid cursor' }]);
}

/**
 * `GET /v1/organizations/{id}/invitations`: the read model's `invitations`, oldest first, in pages. The table keeps the
 * address sealed with the invitation's own key; it is opened here, per page, and reads as null once that key is gone.
 */
export const ListInvitationsRoute = defineRoute({
  id: 'listInvitations',
  summary: "An organization's invitations, oldest first, in pages",
  method: 'GET',
  path: '/v1/organizations/:id/invitations',
  scope: 'queries',
  readsFrom: 'read_model',
  params: { id: PathId },
  query: InvitationsQuery,
  responses: {
    200: z.object({
      items: z.array(
        z.object({
          id: z.uuid(),
          email: z.string().nullable(),
          role: z.string(),
          status: z.enum(STATUSES),
          invitedBy: z.uuid(),
          createdAt: z.iso.datetime(),
          expiresAt: z.iso.datetime(),
        }),
      ),
      nextCursor: z.string().nullable(),
    }),
  },
  errors: ['organization_not_found'],
});

@Controller()
export class ListInvitationsHttpController {
  constructor(
    @Inject(READ_MODEL_DB) private readonly db: DatabasePool,
    private readonly sealer: FieldSealer,
  ) {}

  @Route(ListInvitationsRoute)
  async list(@Input() { params: { id: organizationId }, query }: RouteInput<typeof ListInvitationsRoute>) {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.db.any(sql.type(InvitationRow)`
      SELECT id, email, role, status, invited_by, created_at, expires_at
        FROM invitations
       WHERE org_id = ${organizationId}
         ${query.status ? sql.fragment`AND status = ${query.status}` : sql.fragment``}
         ${after ? sql.fragment`AND (created_at, id) > (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql.fragment``}
       ORDER BY created_at, id
       LIMIT ${query.limit + 1}`);
    if (rows.length === 0 && !after) {
      const exists = await this.db.exists(sql.unsafe`SELECT 1 FROM organizations WHERE id = ${organizationId}`);
      if (!exists) throw new DomainError('organization_not_found', 'No such organization.');
    }
    const page = rows.slice(0, query.limit);
    const emails = await this.open(page);
    const last = page[page.length - 1];
    return {
      items: page.map((row, i) => ({
        id: row.id,
        email: emails[i],
        role: row.role,
        status: row.status,
        invitedBy: row.invited_by,
        createdAt: iso(row.created_at),
        expiresAt: iso(row.expires_at),
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.created_at, last.id) : null,
    };
  }

  /** The page's addresses, each opened with its invitation's key (fetched in one query); null where it is gone. */
  private async open(rows: readonly z.infer<typeof InvitationRow>[]): Promise<(string | null)[]> {
    const sealed = rows.filter((row) => isSealed(row.email));
    const keys = sealed.length > 0 ? await this.sealer.keys.existingKeys(sealed.map((row) => row.id)) : new Map();
    return rows.map((row) => {
      const key = keys.get(row.id);
      if (!isSealed(row.email) || key === undefined || key === ERASED) return null;
      return this.sealer.openWith(key, row.id, row.email);
    });
  }
}
