import type { PoolClient } from 'pg';
import type { DomainEventType } from '@accounts/event-codec';
import type { ProjectedEvent } from '../runtime/projected-event';
import type { PostgresProjector } from '../runtime/postgres-sink';
import { createVersionedTables } from '../runtime/versioned-tables';
import { membershipKey, type MembershipRow, membershipsProjection } from './memberships.projection';
import { type OrganizationRow, organizationsProjection } from './organizations.projection';
import { ReadModelTables } from './read-model-tables';
import { foldRows, keysOf, type Rows, type TableProjection } from './table-projection';
import { type UserRow, usersProjection } from './users.projection';
import { type InvitationRow, invitationsProjection } from './invitations.projection';
import { type FieldSealer, isSealed, SubjectErasedError } from '@accounts/privacy';

type TableEventOf<P> = P extends TableProjection<unknown, infer T> ? T : never;

/** timestamptz as ISO-8601 text, so rows round-trip through the projections without Date objects. */
const iso = (column: string, as = column) => `to_json(${column}) #>> '{}' AS ${as}`;

/**
 * How one table's rows are read and written, as parts of the batch's two statements: `select` is a subquery giving
 * the rows of the keys in its parameters as one JSON array, `write` a data-modifying CTE for the changed rows, and
 * `remove` one for the rows that went. Placeholders are numbered from the `at` each is given.
 */
interface TableStatements<Row, T extends DomainEventType> {
  projection: TableProjection<Row, T>;
  keyOf(row: Row): string;
  select(at: number): string;
  selectParams(keys: string[]): unknown[];
  /** The columns `write` takes, in order, as `unnest` arrays of these PostgreSQL types. */
  columns: readonly (readonly [keyof Row & string, string])[];
  write(at: number): string;
  /** The rows as the table keeps them, when that differs from the projection's (invitations seal the address). */
  stored?(rows: Row[]): Promise<Row[]>;
  /** Only memberships lose rows; the other projections never return no row for a row that exists. */
  remove?: { sql(at: number): string; params(keys: string[]): unknown[] };
}

/**
 * One table as the batch statements see it, its row type hidden: the SQL it adds to each, how many parameters each
 * takes, and `batch`, which names the keys a batch touches and folds it onto their rows once loaded.
 */
interface TablePart {
  select(at: number): string;
  selectArity: number;
  writes: { sql(at: number): string; arity: number }[];
  batch(events: ProjectedEvent[]): TableBatch;
}

/** One table's share of a batch: the keys it touches (as the load's parameters), then what to write. */
interface TableBatch {
  touched: boolean;
  selectParams: unknown[];
  /** Folds the batch onto the loaded rows (a JSON array): the parameters of this table's writes. */
  changes(found: unknown[]): Promise<{ params: unknown[]; changed: boolean }>;
}

/**
 * The PostgreSQL read model: users, organizations, memberships, invitations, one projection each. A batch costs two
 * statements whatever it touches: one query loads the rows it needs from every table, the batch is folded onto them
 * in memory, and one statement writes every row that changed and removes those that went, as data-modifying CTEs;
 * the sink commits them with the checkpoint. (A statement per table and step made up to nine round trips a batch,
 * and rebuilds waited on them.) Both are named, so each connection plans them once.
 */
export class ReadModelProjector implements PostgresProjector {
  readonly name = 'read_model';
  // No subscription filter, so the checkpoint follows all of $all (see RedisSessionsSink.filter).
  readonly tables: ReadModelTables;
  private readonly parts: readonly TablePart[];
  private readonly load: { name: string; text: string };
  private readonly write: { name: string; text: string };

  /** `sealer` seals invited addresses with the invitation's key as they are written; without one none is kept. */
  constructor(
    readonly version = 1,
    sealer?: FieldSealer,
  ) {
    this.tables = new ReadModelTables(version);
    this.parts = [
      tablePart(usersStatements(this.tables.users)),
      tablePart(organizationsStatements(this.tables.organizations)),
      tablePart(membershipsStatements(this.tables.memberships)),
      tablePart(invitationsStatements(this.tables.invitations, sealer)),
    ];
    this.load = { name: `read_model_v${version}_load`, text: loadText(this.parts) };
    this.write = { name: `read_model_v${version}_write`, text: writeText(this.parts) };
  }

  async createTables(client: PoolClient): Promise<void> {
    await createVersionedTables(client, this.tables);
    // A read model that was live before invitations existed gets their view beside its own (a rebuild swaps it).
    const { rows } = await client.query(`SELECT 1 FROM pg_views WHERE viewname = 'invitations' AND schemaname = current_schema()`);
    if (rows.length === 0) await client.query(`CREATE OR REPLACE VIEW invitations AS SELECT * FROM ${this.tables.invitations}`);
  }

  async apply(client: PoolClient, events: ProjectedEvent[]): Promise<void> {
    const batches = this.parts.map((part) => part.batch(events));
    if (!batches.some((batch) => batch.touched)) return;
    const { rows } = await client.query<Record<string, unknown[]>>({ ...this.load, values: batches.flatMap((batch) => batch.selectParams) });
    const changes = await Promise.all(batches.map((batch, i) => batch.changes(rows[0]![`t${i}`]!)));
    if (!changes.some((change) => change.changed)) return;
    // Every data-modifying CTE runs, referenced or not; a table with nothing to write gets empty arrays.
    await client.query({ ...this.write, values: changes.flatMap((change) => change.params) });
  }
}

/** A table's statements and projection behind the shape the batch statements use. */
function tablePart<Row, T extends DomainEventType>(table: TableStatements<Row, T>): TablePart {
  const writes = [{ sql: table.write, arity: table.columns.length }];
  if (table.remove) writes.push({ sql: table.remove.sql, arity: table.remove.params([]).length });
  return {
    select: table.select,
    selectArity: table.selectParams([]).length,
    writes,
    batch(events) {
      const keys = [...keysOf(table.projection, events)];
      return {
        touched: keys.length > 0,
        selectParams: table.selectParams(keys),
        async changes(found) {
          const loaded = new Map((found as Row[]).map((row) => [table.keyOf(row), row]));
          const rows: Rows<Row> = new Map(keys.map((key) => [key, loaded.get(key)]));
          foldRows(table.projection, rows, events);
          // A projection hands back the same row when an event changes nothing, so a changed row is a different object.
          const changed = [...rows].filter(([key, row]) => row !== loaded.get(key));
          const upserts = changed.flatMap(([, row]) => (row === undefined ? [] : [row]));
          const removals = changed.flatMap(([key, row]) => (row === undefined && loaded.has(key) ? [key] : []));
          const stored = table.stored && upserts.length > 0 ? await table.stored(upserts) : upserts;
          return {
            params: [...columnsOf(stored, table.columns), ...(table.remove ? table.remove.params(removals) : [])],
            changed: upserts.length > 0 || removals.length > 0,
          };
        },
      };
    },
  };
}

/** One row of one JSON array per table: `t0`, `t1`, … in the order of `parts`. */
function loadText(parts: readonly TablePart[]): string {
  let at = 1;
  const columns = parts.map((part, i) => {
    const sql = `(${part.select(at)}) AS t${i}`;
    at += part.selectArity;
    return sql;
  });
  return `SELECT ${columns.join(', ')}`;
}

/** Each table's writes (its upsert, then its removal) as data-modifying CTEs of one statement, in `parts` order. */
function writeText(parts: readonly TablePart[]): string {
  let at = 1;
  const ctes = parts.flatMap((part) => part.writes).map((write, i) => {
    const sql = `w${i} AS (${write.sql(at)})`;
    at += write.arity;
    return sql;
  });
  return `WITH ${ctes.join(', ')} SELECT 1`;
}
/** The rows of a subquery as one JSON array (empty, not null, when there are none). */
const jsonRows = (query: string) => `SELECT coalesce(json_agg(r), '[]'::json) FROM (${query}) r`;

/** `INSERT … SELECT * FROM unnest($at::type[], …)` of `columns`, then `conflict` (its ON CONFLICT clause). */
function upsert(table: string, columns: readonly (readonly [string, string])[], conflict: string): (at: number) => string {
  return (at) =>
    `INSERT INTO ${table} (${columns.map(([name]) => name).join(', ')})
     SELECT * FROM unnest(${columns.map(([, type], i) => `$${at + i}::${type}[]`).join(', ')})
     ${conflict}`;
}

/** `SELECT` of `columns` (timestamptz as ISO text) from the rows of `table` whose `id` is in `$at`, as one JSON array. */
function selectByIds(table: string, columns: readonly (readonly [string, string])[]): (at: number) => string {
  const list = columns.map(([name, type]) => (type === 'timestamptz' ? iso(name) : name)).join(', ');
  return (at) => jsonRows(`SELECT ${list} FROM ${table} WHERE id = ANY ($${at}::uuid[])`);
}

function usersStatements(table: string): TableStatements<UserRow, TableEventOf<typeof usersProjection>> {
  const columns = [
    ['id', 'uuid'],
    ['email', 'text'],
    ['password_hash', 'text'],
    ['created_at', 'timestamptz'],
    ['last_login_at', 'timestamptz'],
    ['avatar_url', 'text'],
    ['erased_at', 'timestamptz'],
    ['email_verified', 'boolean'],
  ] as const;
  return {
    projection: usersProjection,
    keyOf: (row) => row.id,
    select: selectByIds(table, columns),
    selectParams: (ids) => [ids],
    columns,
    write: upsert(
      table,
      columns,
      `ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, password_hash = EXCLUDED.password_hash, last_login_at = EXCLUDED.last_login_at,
         avatar_url = EXCLUDED.avatar_url, erased_at = EXCLUDED.erased_at, email_verified = EXCLUDED.email_verified`,
    ),
  };
}

function organizationsStatements(table: string): TableStatements<OrganizationRow, TableEventOf<typeof organizationsProjection>> {
  const columns = [
    ['id', 'uuid'],
    ['name', 'text'],
    ['plan', 'text'],
    ['owner_id', 'uuid'],
    ['member_count', 'int'],
    ['logo_url', 'text'],
    ['payment_processor', 'text'],
    ['payment_method_id', 'text'],
    ['created_at', 'timestamptz'],
  ] as const;
  return {
    projection: organizationsProjection,
    keyOf: (row) => row.id,
    select: selectByIds(table, columns),
    selectParams: (ids) => [ids],
    columns,
    write: upsert(
      table,
      columns,
      `ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, plan = EXCLUDED.plan, owner_id = EXCLUDED.owner_id, member_count = EXCLUDED.member_count,
         logo_url = EXCLUDED.logo_url, payment_processor = EXCLUDED.payment_processor, payment_method_id = EXCLUDED.payment_method_id`,
    ),
  };
}

function membershipsStatements(table: string): TableStatements<MembershipRow, TableEventOf<typeof membershipsProjection>> {
  const pairs = (keys: string[]) => {
    const split = keys.map((key) => key.split('/'));
    return [split.map((pair) => pair[0]), split.map((pair) => pair[1])];
  };
  const columns = [
    ['org_id', 'uuid'],
    ['user_id', 'uuid'],
    ['role', 'text'],
    ['joined_at', 'timestamptz'],
  ] as const;
  return {
    projection: membershipsProjection,
    keyOf: (row) => membershipKey(row.org_id, row.user_id),
    select: (at) =>
      jsonRows(`SELECT m.org_id, m.user_id, m.role, ${iso('m.joined_at', 'joined_at')}
                  FROM ${table} m JOIN unnest($${at}::uuid[], $${at + 1}::uuid[]) AS k (org_id, user_id) USING (org_id, user_id)`),
    selectParams: pairs,
    columns,
    write: upsert(table, columns, `ON CONFLICT (org_id, user_id) DO UPDATE SET role = EXCLUDED.role, joined_at = EXCLUDED.joined_at`),
    remove: {
      sql: (at) => `DELETE FROM ${table} m USING unnest($${at}::uuid[], $${at + 1}::uuid[]) AS k (org_id, user_id) WHERE m.org_id = k.org_id AND m.user_id = k.user_id`,
      params: pairs,
    },
  };
}

function invitationsStatements(table: string, sealer: FieldSealer | undefined): TableStatements<InvitationRow, TableEventOf<typeof invitationsProjection>> {
  const columns = [
    ['id', 'uuid'],
    ['org_id', 'uuid'],
    ['email', 'text'],
    ['role', 'text'],
    ['status', 'text'],
    ['invited_by', 'uuid'],
    ['created_at', 'timestamptz'],
    ['expires_at', 'timestamptz'],
    ['ended_at', 'timestamptz'],
  ] as const;
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
    keyOf: (row) => row.id,
    select: selectByIds(table, columns),
    selectParams: (ids) => [ids],
    columns,
    write: upsert(
      table,
      columns,
      `ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, status = EXCLUDED.status, expires_at = EXCLUDED.expires_at, ended_at = EXCLUDED.ended_at`,
    ),
    stored: (rows) => Promise.all(rows.map(sealed)),
  };
}

/** Rows to column arrays, for `unnest`. */
function columnsOf<Row>(rows: Row[], columns: readonly (readonly [keyof Row & string, string])[]): unknown[][] {
  return columns.map(([name]) => rows.map((row) => row[name]));
}
