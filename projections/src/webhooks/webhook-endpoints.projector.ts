import type { PoolClient } from 'pg';
import type { ProjectedEvent } from '../runtime/projected-event';
import type { PostgresProjector } from '../runtime/postgres-sink';
import { createVersionedTables, type VersionedTables } from '../runtime/versioned-tables';
import { foldRows, keysOf, type Rows } from '../read-model/table-projection';
import { type WebhookEndpointRow, webhookEndpointsProjection } from './webhook-endpoints.projection';

/** `webhook_endpoints_v<N>` behind the view `webhook_endpoints`. */
export class WebhookEndpointTables implements VersionedTables {
  readonly liveView = 'webhook_endpoints';
  constructor(readonly version: number) {}

  get endpoints(): string {
    return `webhook_endpoints_v${this.version}`;
  }

  createStatements(): string[] {
    return [
      `CREATE TABLE IF NOT EXISTS ${this.endpoints} (
         id               uuid        PRIMARY KEY,
         url              text        NOT NULL,
         types            text[]      NOT NULL,
         description      text,
         status           text        NOT NULL CHECK (status IN ('enabled', 'disabled')),
         created_position text        NOT NULL,
         created_at       timestamptz NOT NULL,
         updated_at       timestamptz NOT NULL,
         disabled_at      timestamptz,
         revision         integer     NOT NULL
       )`,
    ];
  }

  tableNames(): string[] {
    return [this.endpoints];
  }

  activateStatements(): string[] {
    return [`CREATE OR REPLACE VIEW webhook_endpoints AS SELECT * FROM ${this.endpoints}`];
  }
}

const iso = (column: string) => `to_json(${column}) #>> '{}' AS ${column}`;
const COLUMNS: (keyof WebhookEndpointRow)[] = ['id', 'url', 'types', 'description', 'status', 'created_position', 'created_at', 'updated_at', 'disabled_at', 'revision'];

/**
 * The webhook endpoints' read model, its own projection (not part of `read_model`): its events come from one kind of
 * stream, and the delivery process starts and stops deliveries from it, so it can be rebuilt on its own.
 */
export class WebhookEndpointsProjector implements PostgresProjector {
  readonly name = 'webhooks';
  // No filter: a filtered read returns nothing while no endpoint exists, so the checkpoint never moved and the
  // projection showed the whole log as its lag. Reading every event costs what the other projections pay.
  readonly tables: WebhookEndpointTables;

  constructor(readonly version = 1) {
    this.tables = new WebhookEndpointTables(version);
  }

  async createTables(client: PoolClient): Promise<void> {
    await createVersionedTables(client, this.tables);
  }

  async apply(client: PoolClient, events: ProjectedEvent[]): Promise<void> {
    const table = this.tables.endpoints;
    const keys = [...keysOf(webhookEndpointsProjection, events)];
    if (keys.length === 0) return;
    const { rows: found } = await client.query<WebhookEndpointRow>(
      `SELECT id, url, types, description, status, created_position, ${iso('created_at')}, ${iso('updated_at')}, ${iso('disabled_at')}, revision
         FROM ${table} WHERE id = ANY ($1::uuid[])`,
      [keys],
    );
    const loaded = new Map(found.map((row) => [row.id, row]));
    const rows: Rows<WebhookEndpointRow> = new Map(keys.map((key) => [key, loaded.get(key)]));
    foldRows(webhookEndpointsProjection, rows, events);
    for (const [key, row] of rows) {
      if (row === loaded.get(key)) continue;
      if (row === undefined) {
        await client.query(`DELETE FROM ${table} WHERE id = $1`, [key]);
        continue;
      }
      await client.query(
        `INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, types = EXCLUDED.types, description = EXCLUDED.description, status = EXCLUDED.status,
           updated_at = EXCLUDED.updated_at, disabled_at = EXCLUDED.disabled_at, revision = EXCLUDED.revision`,
        COLUMNS.map((column) => row[column]),
      );
    }
  }
}
