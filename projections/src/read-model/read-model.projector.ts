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

type TableEventOf<P> = P extends TableProjection<unknown, infer T> ? T : never;

/** timestamptz as ISO-8601 text, so rows round-trip through the projections without Date objects. */
const iso = (column: string, as = column) => `to_json(${column}) #>> '{}' AS ${as}`;

/**
 * How one table's rows are read and written, as parts of the batch's two statements: `select` is a subquery giving
 * the rows of the keys in its parameters as one JSON array, `write` a data-modifying CTE for the changed rows (and
 * `remove` one for the rows that went). `$n` placeholders are numbered from the `at` each is given.
 */
interface TableStatements<Row, T extends DomainEventType> {
  projection: TableProjection<Row, T>;
  keyOf(row: Row): string;
  select(at: number): string;
  selectParams(keys: string[]): unknown[];
  write(at: number): string;
  writeParams(rows: Row[]): unknown[];
  /** Only memberships lose rows; users and organizations keep theirs (their projections never return no row). */
  remove?: { sql(at: number): string; params(keys: string[]): unknown[] };
}

/**
 * The PostgreSQL read model: users, organizations, memberships, one projection each. A batch costs two statements
 * whatever it touches: one query loads the rows it needs from all three tables, the batch is folded onto them in
 * memory, and one statement writes every row that changed (and removes those that went), as data-modifying CTEs;
 * the sink commits them with the checkpoint. (A statement per table and step made six or seven round trips a
 * batch, and rebuilds waited on them.) Both are named, so each connection plans them once.
 */
export class ReadModelProjector implements PostgresProjector {
  readonly name = 'read_model';
  // No subscription filter, so the checkpoint follows all of $all (see RedisSessionsSink.filter).
  readonly tables: ReadModelTables;
  private readonly statements: readonly [TableStatements<UserRow, TableEventOf<typeof usersProjection>>, TableStatements<OrganizationRow, TableEventOf<typeof organizationsProjection>>, TableStatements<MembershipRow, TableEventOf<typeof membershipsProjection>>];

  constructor(readonly version = 1) {
    this.tables = new ReadModelTables(version);
    this.statements = [usersStatements(this.tables.users), organizationsStatements(this.tables.organizations), membershipsStatements(this.tables.memberships)];
  }

  async createTables(client: PoolClient): Promise<void> {
    await createVersionedTables(client, this.tables);
  }

  async apply(client: PoolClient, events: ProjectedEvent[]): Promise<void> {
    const [users, organizations, memberships] = this.statements;
    const keys: [string[], string[], string[]] = [[...keysOf(users.projection, events)], [...keysOf(organizations.projection, events)], [...keysOf(memberships.projection, events)]];
    if (keys.every((k) => k.length === 0)) return;
    const loaded = await this.load(client, keys);
    const changes = [fold(users, keys[0], loaded[0] as UserRow[], events), fold(organizations, keys[1], loaded[1] as OrganizationRow[], events), fold(memberships, keys[2], loaded[2] as MembershipRow[], events)] as const;
    if (changes.every((change) => change.upserts.length === 0 && change.removals.length === 0)) return;
    let at = 1;
    const parts: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (at: number) => string, values: unknown[]) => {
      parts.push(`w${parts.length} AS (${sql(at)})`);
      params.push(...values);
      at += values.length;
    };
    add(users.write, users.writeParams(changes[0].upserts));
    add(organizations.write, organizations.writeParams(changes[1].upserts));
    add(memberships.write, memberships.writeParams(changes[2].upserts));
    add(memberships.remove!.sql, memberships.remove!.params(changes[2].removals));
    // Every data-modifying CTE runs, referenced or not; empty arrays write nothing.
    await client.query({ name: `read_model_v${this.version}_write`, text: `WITH ${parts.join(', ')} SELECT 1`, values: params });
  }

  private async load(client: PoolClient, keys: readonly [string[], string[], string[]]): Promise<[unknown[], unknown[], unknown[]]> {
    const [users, organizations, memberships] = this.statements;
    const params = [...users.selectParams(keys[0]), ...organizations.selectParams(keys[1]), ...memberships.selectParams(keys[2])];
    const { rows } = await client.query<{ users: unknown[]; organizations: unknown[]; memberships: unknown[] }>({
      name: `read_model_v${this.version}_load`,
      text: `SELECT (${users.select(1)}) AS users, (${organizations.select(2)}) AS organizations, (${memberships.select(3)}) AS memberships`,
      values: params,
    });
    return [rows[0]!.users, rows[0]!.organizations, rows[0]!.memberships];
  }
}

/** Folds the batch onto one table's loaded rows: the rows to write and the keys whose row went. */
function fold<Row, T extends DomainEventType>(table: TableStatements<Row, T>, keys: string[], found: Row[], events: ProjectedEvent[]): { upserts: Row[]; removals: string[] } {
  if (keys.length === 0) return { upserts: [], removals: [] };
  const loaded = new Map(found.map((row) => [table.keyOf(row), row]));
  const rows: Rows<Row> = new Map(keys.map((key) => [key, loaded.get(key)]));
  foldRows(table.projection, rows, events);
  // A projection hands back the same row when an event changes nothing, so a changed row is a different object.
  const changed = [...rows].filter(([key, row]) => row !== loaded.get(key));
  return {
    upserts: changed.flatMap(([, row]) => (row === undefined ? [] : [row])),
    removals: changed.flatMap(([key, row]) => (row === undefined && loaded.has(key) ? [key] : [])),
  };
}

/** The rows of a subquery as one JSON array (empty, not null, when there are none). */
const jsonRows = (query: string) => `SELECT coalesce(json_agg(r), '[]'::json) FROM (${query}) r`;

function usersStatements(table: string): TableStatements<UserRow, TableEventOf<typeof usersProjection>> {
  const names: (keyof UserRow)[] = ['id', 'email', 'password_hash', 'created_at', 'last_login_at', 'avatar_url', 'erased_at'];
  return {
    projection: usersProjection,
    keyOf: (row) => row.id,
    select: (at) => jsonRows(`SELECT id, email, password_hash, ${iso('created_at')}, ${iso('last_login_at')}, avatar_url, ${iso('erased_at')} FROM ${table} WHERE id = ANY ($${at}::uuid[])`),
    selectParams: (ids) => [ids],
    write: (at) =>
      `INSERT INTO ${table} (id, email, password_hash, created_at, last_login_at, avatar_url, erased_at)
       SELECT * FROM unnest(${placeholders(at, ['uuid', 'text', 'text', 'timestamptz', 'timestamptz', 'text', 'timestamptz'])})
       ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, password_hash = EXCLUDED.password_hash, last_login_at = EXCLUDED.last_login_at,
         avatar_url = EXCLUDED.avatar_url, erased_at = EXCLUDED.erased_at`,
    writeParams: (rows) => columns(rows, names),
  };
}

function organizationsStatements(table: string): TableStatements<OrganizationRow, TableEventOf<typeof organizationsProjection>> {
  const names: (keyof OrganizationRow)[] = ['id', 'name', 'plan', 'owner_id', 'member_count', 'logo_url', 'payment_processor', 'payment_method_id', 'created_at'];
  return {
    projection: organizationsProjection,
    keyOf: (row) => row.id,
    select: (at) => jsonRows(`SELECT id, name, plan, owner_id, member_count, logo_url, payment_processor, payment_method_id, ${iso('created_at')} FROM ${table} WHERE id = ANY ($${at}::uuid[])`),
    selectParams: (ids) => [ids],
    write: (at) =>
      `INSERT INTO ${table} (id, name, plan, owner_id, member_count, logo_url, payment_processor, payment_method_id, created_at)
       SELECT * FROM unnest(${placeholders(at, ['uuid', 'text', 'text', 'uuid', 'int', 'text', 'text', 'text', 'timestamptz'])})
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, plan = EXCLUDED.plan, owner_id = EXCLUDED.owner_id, member_count = EXCLUDED.member_count,
         logo_url = EXCLUDED.logo_url, payment_processor = EXCLUDED.payment_processor, payment_method_id = EXCLUDED.payment_method_id`,
    writeParams: (rows) => columns(rows, names),
  };
}

function membershipsStatements(table: string): TableStatements<MembershipRow, TableEventOf<typeof membershipsProjection>> {
  const pairs = (keys: string[]) => {
    const split = keys.map((key) => key.split('/'));
    return [split.map((pair) => pair[0]), split.map((pair) => pair[1])];
  };
  return {
    projection: membershipsProjection,
    keyOf: (row) => membershipKey(row.org_id, row.user_id),
    select: (at) =>
      jsonRows(`SELECT m.org_id, m.user_id, m.role, ${iso('m.joined_at', 'joined_at')}
                  FROM ${table} m JOIN unnest($${at}::uuid[], $${at + 1}::uuid[]) AS k (org_id, user_id) USING (org_id, user_id)`),
    selectParams: pairs,
    write: (at) =>
      `INSERT INTO ${table} (org_id, user_id, role, joined_at)
       SELECT * FROM unnest(${placeholders(at, ['uuid', 'uuid', 'text', 'timestamptz'])})
       ON CONFLICT (org_id, user_id) DO UPDATE SET role = EXCLUDED.role, joined_at = EXCLUDED.joined_at`,
    writeParams: (rows) => columns(rows, ['org_id', 'user_id', 'role', 'joined_at']),
    remove: {
      sql: (at) => `DELETE FROM ${table} m USING unnest($${at}::uuid[], $${at + 1}::uuid[]) AS k (org_id, user_id) WHERE m.org_id = k.org_id AND m.user_id = k.user_id`,
      params: pairs,
    },
  };
}

/** `$at::type[], $at+1::type[], …` for unnest. */
function placeholders(at: number, types: string[]): string {
  return types.map((type, i) => `$${at + i}::${type}[]`).join(', ');
}

/** Rows to column arrays, for `unnest`. */
function columns<T>(rows: T[], names: (keyof T)[]): unknown[][] {
  return names.map((name) => rows.map((row) => row[name]));
}
