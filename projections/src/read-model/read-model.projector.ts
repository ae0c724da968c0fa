import type { PoolClient } from 'pg';
import type { ProjectedEvent } from '../runtime/projected-event';
import type { PostgresProjector } from '../runtime/postgres-sink';
import { createVersionedTables } from '../runtime/versioned-tables';
import { membershipKey, type MembershipRow, type OrganizationRow, ReadModelFold, type UserRow } from './read-model-fold';
import { ReadModelTables } from './read-model-tables';

export { MalformedEventError } from './read-model-fold';

/** timestamptz as ISO-8601 text, so rows round-trip through the fold without Date objects. */
const iso = (column: string) => `to_json(${column}) #>> '{}' AS ${column}`;

/**
 * The PostgreSQL read model: users, organizations, memberships. A batch is folded in memory (see ReadModelFold) and
 * written with one statement per table; the sink commits it with the checkpoint.
 */
export class ReadModelProjector implements PostgresProjector {
  readonly name = 'read_model';
  // No subscription filter, so the checkpoint follows all of $all (see RedisSessionsSink.filter).
  readonly tables: ReadModelTables;

  constructor(readonly version = 1) {
    this.tables = new ReadModelTables(version);
  }

  async createTables(client: PoolClient): Promise<void> {
    await createVersionedTables(client, this.tables);
  }

  async apply(client: PoolClient, events: ProjectedEvent[]): Promise<void> {
    const fold = new ReadModelFold();
    const loaded = await this.load(client, fold, events);
    for (const event of events) fold.apply(event);
    await this.write(client, fold, loaded);
  }

  private async load(client: PoolClient, fold: ReadModelFold, events: ProjectedEvent[]): Promise<Map<string, string>> {
    const { users, organizations, memberships } = this.tables;
    const keys = ReadModelFold.keysOf(events);
    const loaded = new Map<string, string>();
    for (const id of keys.users) fold.users.set(id, undefined);
    for (const id of keys.organizations) fold.organizations.set(id, undefined);
    for (const key of keys.memberships) fold.memberships.set(key, undefined);
    if (keys.users.size > 0) {
      const { rows } = await client.query<UserRow>(
        `SELECT id, email, password_hash, ${iso('created_at')}, ${iso('last_login_at')}, avatar_url, ${iso('erased_at')} FROM ${users} WHERE id = ANY ($1::uuid[])`,
        [[...keys.users]],
      );
      for (const row of rows) {
        fold.users.set(row.id, row);
        loaded.set(`u:${row.id}`, JSON.stringify(row));
      }
    }
    if (keys.organizations.size > 0) {
      const { rows } = await client.query<OrganizationRow>(
        `SELECT id, name, plan, owner_id, member_count, logo_url, payment_processor, payment_method_id, ${iso('created_at')} FROM ${organizations} WHERE id = ANY ($1::uuid[])`,
        [[...keys.organizations]],
      );
      for (const row of rows) {
        fold.organizations.set(row.id, row);
        loaded.set(`o:${row.id}`, JSON.stringify(row));
      }
    }
    if (keys.memberships.size > 0) {
      const pairs = [...keys.memberships].map((key) => key.split('/'));
      const { rows } = await client.query<MembershipRow>(
        `SELECT m.org_id, m.user_id, m.role, ${iso('m.joined_at').replace('AS m.joined_at', 'AS joined_at')}
           FROM ${memberships} m JOIN unnest($1::uuid[], $2::uuid[]) AS k (org_id, user_id) USING (org_id, user_id)`,
        [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
      );
      for (const row of rows) {
        const key = membershipKey(row.org_id, row.user_id);
        fold.memberships.set(key, row);
        loaded.set(`m:${key}`, JSON.stringify(row));
      }
    }
    return loaded;
  }

  private async write(client: PoolClient, fold: ReadModelFold, loaded: Map<string, string>): Promise<void> {
    const { users, organizations, memberships } = this.tables;
    const changed = <T>(prefix: string, map: Map<string, T | undefined>) =>
      [...map].filter(([key, row]) => row !== undefined && loaded.get(`${prefix}:${key}`) !== JSON.stringify(row)).map(([, row]) => row as T);

    const userRows = changed<UserRow>('u', fold.users);
    if (userRows.length > 0) {
      await client.query(
        `INSERT INTO ${users} (id, email, password_hash, created_at, last_login_at, avatar_url, erased_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::timestamptz[])
         ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, password_hash = EXCLUDED.password_hash, last_login_at = EXCLUDED.last_login_at,
           avatar_url = EXCLUDED.avatar_url, erased_at = EXCLUDED.erased_at`,
        columns(userRows, ['id', 'email', 'password_hash', 'created_at', 'last_login_at', 'avatar_url', 'erased_at']),
      );
    }
    const organizationRows = changed<OrganizationRow>('o', fold.organizations);
    if (organizationRows.length > 0) {
      await client.query(
        `INSERT INTO ${organizations} (id, name, plan, owner_id, member_count, logo_url, payment_processor, payment_method_id, created_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::int[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, plan = EXCLUDED.plan, owner_id = EXCLUDED.owner_id, member_count = EXCLUDED.member_count,
           logo_url = EXCLUDED.logo_url, payment_processor = EXCLUDED.payment_processor, payment_method_id = EXCLUDED.payment_method_id`,
        columns(organizationRows, ['id', 'name', 'plan', 'owner_id', 'member_count', 'logo_url', 'payment_processor', 'payment_method_id', 'created_at']),
      );
    }
    const removed = [...fold.memberships].filter(([key, row]) => row === undefined && loaded.has(`m:${key}`)).map(([key]) => key.split('/'));
    if (removed.length > 0) {
      await client.query(`DELETE FROM ${memberships} m USING unnest($1::uuid[], $2::uuid[]) AS k (org_id, user_id) WHERE m.org_id = k.org_id AND m.user_id = k.user_id`, [
        removed.map((pair) => pair[0]),
        removed.map((pair) => pair[1]),
      ]);
    }
    const membershipRows = changed<MembershipRow>('m', fold.memberships);
    if (membershipRows.length > 0) {
      await client.query(
        `INSERT INTO ${memberships} (org_id, user_id, role, joined_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[])
         ON CONFLICT (org_id, user_id) DO UPDATE SET role = EXCLUDED.role, joined_at = EXCLUDED.joined_at`,
        columns(membershipRows, ['org_id', 'user_id', 'role', 'joined_at']),
      );
    }
  }
}

/** Rows to column arrays, for `unnest`. */
function columns<T>(rows: T[], names: (keyof T)[]): unknown[][] {
  return names.map((name) => rows.map((row) => row[name]));
}
