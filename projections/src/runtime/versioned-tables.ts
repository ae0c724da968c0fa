import type { PoolClient } from 'pg';

/** One version of a projector's tables, behind views that queries read (blue/green rebuilds swap the views). */
export interface VersionedTables {
  /** A view that exists once some version is live. */
  readonly liveView: string;
  createStatements(): string[];
  /**
   * Indexes only queries need (never a constraint or one a projector's own statements use): a version being built
   * goes without them, since every row it writes would update each one, and gets them in one sorted pass before it
   * goes live (PostgresProjectionSink). A version live from its first start gets them with its tables.
   */
  queryIndexStatements?(): string[];
  activateStatements(): string[];
  /** Every table of this version, for dropping it once a newer version is live. */
  tableNames(): string[];
}

/** Creates this version's tables; the first version to exist also becomes the live one (its views are created). */
export async function createVersionedTables(client: PoolClient, tables: VersionedTables): Promise<void> {
  for (const statement of tables.createStatements()) await client.query(statement);
  const { rows } = await client.query(`SELECT 1 FROM pg_views WHERE viewname = $1 AND schemaname = current_schema()`, [tables.liveView]);
  if (rows.length === 0) for (const statement of tables.activateStatements()) await client.query(statement);
}
