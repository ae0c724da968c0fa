import type { PoolClient } from 'pg';
import type { ProjectedEvent } from '../runtime/projected-event';
import type { PostgresProjector } from '../runtime/postgres-sink';
import { createVersionedTables } from '../runtime/versioned-tables';
import { documentKey, documentsNeedingBase, foldChanges, type DocumentWrite, type StoredDocument } from './document-fold';
import { SearchTables } from './postgres-search-tables';
import { type OrganizationFields, searchChangeFor, type SearchChange } from './search-documents';

/** An organization event arrived before the organization's creation: nothing to merge it into. */
export class OrphanSearchChangeError extends Error {
  constructor(type: string) {
    super(`${type} for a document that does not exist`);
    this.name = 'OrphanSearchChangeError';
  }
}

/**
 * Search in PostgreSQL: the document builder's changes folded per batch and written once per document, only over an
 * older stored version, so replaying events changes nothing. Runs inside PostgresProjectionSink's transaction, which
 * parks whatever this throws for (an orphan change) and commits the checkpoint with the rest.
 */
export class PostgresSearchProjector implements PostgresProjector {
  readonly name = 'search';
  // No subscription filter, so the checkpoint follows all of $all (X-Consistent-With waits on it).
  readonly tables: SearchTables;

  constructor(readonly version = 1) {
    this.tables = new SearchTables(version);
  }

  async createTables(client: PoolClient): Promise<void> {
    await createVersionedTables(client, this.tables);
  }

  async apply(client: PoolClient, events: ProjectedEvent[]): Promise<void> {
    const changes: { change: SearchChange; event: ProjectedEvent }[] = [];
    for (const event of events) {
      const change = searchChangeFor(event);
      if (change) changes.push({ change, event });
    }
    if (changes.length === 0) return;
    const stored = await this.readBases(client, documentsNeedingBase(changes).map((d) => d.id));
    const { writes, orphans } = foldChanges(changes, stored);
    if (orphans.length > 0) throw new OrphanSearchChangeError(orphans[0]!.type);
    await this.writeUsers(client, writes.filter((w) => w.collection === 'users'));
    await this.writeOrganizations(client, writes.filter((w) => w.collection === 'organizations'));
  }

  // Only organizations take partial changes, so only they are read back.
  private async readBases(client: PoolClient, organizationIds: string[]): Promise<Map<string, StoredDocument>> {
    const stored = new Map<string, StoredDocument>();
    if (organizationIds.length === 0) return stored;
    const { rows } = await client.query<{ id: string; version: string; name: string; plan: string }>(
      `SELECT id, version, name, plan FROM ${this.tables.organizations} WHERE id = ANY($1::text[]) FOR UPDATE`,
      [organizationIds],
    );
    for (const row of rows) {
      stored.set(documentKey('organizations', row.id), { version: BigInt(row.version), fields: { name: row.name, plan: row.plan } });
    }
    return stored;
  }

  private async writeUsers(client: PoolClient, writes: DocumentWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const table = this.tables.users;
    await client.query(
      `INSERT INTO ${table} AS t (id, version, email)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
       ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, email = EXCLUDED.email
       WHERE t.version < EXCLUDED.version`,
      [writes.map((w) => w.id), writes.map((w) => w.version.toString()), writes.map((w) => w.fields?.['email'] ?? null)],
    );
  }

  private async writeOrganizations(client: PoolClient, writes: DocumentWrite[]): Promise<void> {
    if (writes.length === 0) return;
    // No event removes an organization, and its document is whole once folded (a partial change without a stored
    // document is an orphan, refused above), so every write holds a name and a plan.
    const documents = writes.map((w) => w.fields as unknown as OrganizationFields);
    await client.query(
      `INSERT INTO ${this.tables.organizations} AS t (id, version, name, plan)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[])
       ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, plan = EXCLUDED.plan
       WHERE t.version < EXCLUDED.version`,
      [writes.map((w) => w.id), writes.map((w) => w.version.toString()), documents.map((d) => d.name), documents.map((d) => d.plan)],
    );
  }
}
