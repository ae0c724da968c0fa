import type { PoolClient } from 'pg';
import type { DomainEventType } from '../../../libs/event-codec/src';
import type { ProjectedEvent } from '../runtime/projected-event';
import type { PostgresProjector } from '../runtime/postgres-sink';
import { createVersionedTables } from '../runtime/versioned-tables';
import { membershipKey, type MembershipRow, membershipsProjection } from './memberships.projection';
import { type OrganizationRow, organizationsProjection } from './organizations.projection';
import { ReadModelTables } from './read-model-tables';
import { foldRows, keysOf, type Rows, type TableProjection } from './table-projection';
import { type UserRow, usersProjection } from './users.projection';
import { type InvitationRow, invitationsProjection } from './invitations.projection';
import { type FieldSealer, isSealed, SubjectErasedError } from '../../../libs/privacy/src';

type TableEventOf<P> = P extends TableProjection<unknown, infer T> ? T : never;

/** timestamptz as ISO-8601 text, so rows round-trip through the projections without Date objects. */
const iso = (column: string, as = column) => `to_json(${column}) #>> '{}' AS ${as}`;

/** How one table's rows are read and written: one statement per table and batch. */
interface TableStatements<Row, T extends DomainEventType> {
  projection: TableProjection<Row, T>;
  load(client: PoolClient, keys: string[]): Promise<[string, Row][]>;
  upsert(client: PoolClient, rows: Row[]): Promise<void>;
  /** Only memberships lose rows; users and organizations keep theirs (their projections never return no row). */
  remove?(client: PoolClient, keys: string[]): Promise<void>;
}

/**
 * The PostgreSQL read model: users, organizations, memberships, one projection each. A batch touches each table
 * three times at most: the rows it needs are loaded in one query, the batch is folded onto them in memory, and the
 * rows that changed are written in one statement (and removed in another); the sink commits them with the checkpoint.
 */
export class ReadModelProjector implements PostgresProjector {
  readonly name = 'read_model';
  // No subscription filter, so the checkpoint follows all of $all (see RedisSessionsSink.filter).
  readonly tables: ReadModelTables;
  private readonly users: ReturnType<typeof usersStatements>;
  private readonly organizations: ReturnType<typeof organizationsStatements>;
  private readonly memberships: ReturnType<typeof membershipsStatements>;
  private readonly invitations: ReturnType<typeof invitationsStatements>;

  /** `sealer` seals invited addresses with the invitation's key as they are written; without one none is kept. */
  constructor(
    readonly version = 1,
    sealer?: FieldSealer,
  ) {
    this.tables = new ReadModelTables(version);
    this.users = usersStatements(this.tables.users);
    this.organizations = organizationsStatements(this.tables.organizations);
    this.memberships = membershipsStatements(this.tables.memberships);
    this.invitations = invitationsStatements(this.tables.invitations, sealer);
  }

  async createTables(client: PoolClient): Promise<void> {
    await createVersionedTables(client, this.tables);
    // A read model that was live before invitations existed gets their view beside its own (a rebuild swaps it).
    const { rows } = await client.query(`SELECT 1 FROM pg_views WHERE viewname = 'invitations' AND schemaname = current_schema()`);
    if (rows.length === 0) await client.query(`CREATE OR REPLACE VIEW invitations AS SELECT * FROM ${this.tables.invitations}`);
  }

  async apply(client: PoolClient, events: ProjectedEvent[]): Promise<void> {
    await applyToTable(client, this.users, events);
    await applyToTable(client, this.organizations, events);
    await applyToTable(client, this.memberships, events);
    await applyToTable(client, this.invitations, events);
  }
}

async function applyToTable<Row, T extends DomainEventType>(client: PoolClient, table: TableStatements<Row, T>, events: ProjectedEvent[]): Promise<void> {
  const keys = [...keysOf(table.projection, events)];
  if (keys.length === 0) return;
  const loaded = new Map(await table.load(client, keys));
  const rows: Rows<Row> = new Map(keys.map((key) => [key, loaded.get(key)]));
  foldRows(table.projection, rows, events);
  // A projection hands back the same row when an event changes nothing, so a changed row is a different object.
  const changed = [...rows].filter(([key, row]) => row !== loaded.get(key));
  const upserts = changed.flatMap(([, row]) => (row === undefined ? [] : [row]));
  const removals = changed.flatMap(([key, row]) => (row === undefined ? [key] : []));
  if (upserts.length > 0) await table.upsert(client, upserts);
  if (removals.length > 0) await table.remove?.(client, removals);
}

function usersStatements(table: string): TableStatements<UserRow, TableEventOf<typeof usersProjection>> {
  const names: (keyof UserRow)[] = ['id', 'email', 'password_hash', 'created_at', 'last_login_at', 'avatar_url', 'erased_at', 'email_verified'];
  return {
    projection: usersProjection,
    async load(client, ids) {
      const { rows } = await client.query<UserRow>(
        `SELECT id, email, password_hash, ${iso('created_at')}, ${iso('last_login_at')}, avatar_url, ${iso('erased_at')}, email_verified FROM ${table} WHERE id = ANY ($1::uuid[])`,
        [ids],
      );
      return rows.map((row) => [row.id, row]);
    },
    async upsert(client, rows) {
      await client.query(
        `INSERT INTO ${table} (id, email, password_hash, created_at, last_login_at, avatar_url, erased_at, email_verified)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::timestamptz[], $8::boolean[])
         ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, password_hash = EXCLUDED.password_hash, last_login_at = EXCLUDED.last_login_at,
           avatar_url = EXCLUDED.avatar_url, erased_at = EXCLUDED.erased_at, email_verified = EXCLUDED.email_verified`,
        columns(rows, names),
      );
    },
  };
}

function organizationsStatements(table: string): TableStatements<OrganizationRow, TableEventOf<typeof organizationsProjection>> {
  const names: (keyof OrganizationRow)[] = ['id', 'name', 'plan', 'owner_id', 'member_count', 'logo_url', 'payment_processor', 'payment_method_id', 'created_at'];
  return {
    projection: organizationsProjection,
    async load(client, ids) {
      const { rows } = await client.query<OrganizationRow>(
        `SELECT id, name, plan, owner_id, member_count, logo_url, payment_processor, payment_method_id, ${iso('created_at')} FROM ${table} WHERE id = ANY ($1::uuid[])`,
        [ids],
      );
      return rows.map((row) => [row.id, row]);
    },
    async upsert(client, rows) {
      await client.query(
        `INSERT INTO ${table} (id, name, plan, owner_id, member_count, logo_url, payment_processor, payment_method_id, created_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::int[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, plan = EXCLUDED.plan, owner_id = EXCLUDED.owner_id, member_count = EXCLUDED.member_count,
           logo_url = EXCLUDED.logo_url, payment_processor = EXCLUDED.payment_processor, payment_method_id = EXCLUDED.payment_method_id`,
        columns(rows, names),
      );
    },
  };
}

function membershipsStatements(table: string): TableStatements<MembershipRow, TableEventOf<typeof membershipsProjection>> {
  const pairs = (keys: string[]) => {
    const split = keys.map((key) => key.split('/'));
    return [split.map((pair) => pair[0]), split.map((pair) => pair[1])];
  };
  return {
    projection: membershipsProjection,
    async load(client, keys) {
      const { rows } = await client.query<MembershipRow>(
        `SELECT m.org_id, m.user_id, m.role, ${iso('m.joined_at', 'joined_at')}
           FROM ${table} m JOIN unnest($1::uuid[], $2::uuid[]) AS k (org_id, user_id) USING (org_id, user_id)`,
        pairs(keys),
      );
      return rows.map((row) => [membershipKey(row.org_id, row.user_id), row]);
    },
    async upsert(client, rows) {
      await client.query(
        `INSERT INTO ${table} (org_id, user_id, role, joined_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[])
         ON CONFLICT (org_id, user_id) DO UPDATE SET role = EXCLUDED.role, joined_at = EXCLUDED.joined_at`,
        columns(rows, ['org_id', 'user_id', 'role', 'joined_at']),
      );
    },
    async remove(client, keys) {
      await client.query(`DELETE FROM ${table} m USING unnest($1::uuid[], $2::uuid[]) AS k (org_id, user_id) WHERE m.org_id = k.org_id AND m.user_id = k.user_id`, pairs(keys));
    },
  };
}

function invitationsStatements(table: string, sealer: FieldSealer | undefined): TableStatements<InvitationRow, TableEventOf<typeof invitationsProjection>> {
  const names: (keyof InvitationRow)[] = ['id', 'org_id', 'email', 'role', 'status', 'invited_by', 'created_at', 'expires_at', 'ended_at'];
  /** A row's address as the table keeps it: sealed with the invitation's key, or null once that key is gone. */
  const sealed = async (row: InvitationRow): Promise<InvitationRow> => {
    if (row.email === null || isSealed(row.email)) return row;
    if (!sealer) return { ...row, email: null };
    try {
      return { ...row, email: await sealer.seal(row.id, row.email) };
    } catch (error) {
      if (error instanceof SubjectErasedError) return { ...row, email: null };
      throw error;
    }
  };
  return {
    projection: invitationsProjection,
    async load(client, ids) {
      const { rows } = await client.query<InvitationRow>(
        `SELECT id, org_id, email, role, status, invited_by, ${iso('created_at')}, ${iso('expires_at')}, ${iso('ended_at')} FROM ${table} WHERE id = ANY ($1::uuid[])`,
        [ids],
      );
      return rows.map((row) => [row.id, row]);
    },
    async upsert(client, rows) {
      await client.query(
        `INSERT INTO ${table} (id, org_id, email, role, status, invited_by, created_at, expires_at, ended_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[])
         ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, status = EXCLUDED.status, expires_at = EXCLUDED.expires_at, ended_at = EXCLUDED.ended_at`,
        columns(await Promise.all(rows.map(sealed)), names),
      );
    },
  };
}

/** Rows to column arrays, for `unnest`. */
function columns<T>(rows: T[], names: (keyof T)[]): unknown[][] {
  return names.map((name) => rows.map((row) => row[name]));
}
