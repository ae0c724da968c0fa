import { Client } from '@opensearch-project/opensearch';
import type { Pool } from 'pg';
import { PostgresProjectionSink } from '../runtime/postgres-sink';
import type { ProjectionSink } from '../runtime/projection-sink';
import { OpenSearchSearchSink, type OpenSearchSinkOptions } from './opensearch-search.sink';
import { OpenSearchSearchReader } from './opensearch-search.reader';
import { PostgresSearchProjector } from './postgres-search.projector';
import { PostgresSearchReader } from './postgres-search.reader';
import type { SearchReader } from './search-query';

export interface SearchBackend {
  kind: 'opensearch' | 'postgres';
  /** The sink of the first version (what a single-version setup runs). */
  sink: ProjectionSink;
  /** The sink that builds `version` (blue/green rebuilds). */
  sinkFor(version: number): ProjectionSink;
  reader: SearchReader;
  close(): Promise<void>;
}

export interface SearchBackendConfig {
  pool: Pool;
  /** OPENSEARCH_URL: comma-separated nodes. Unset or empty: search lives in PostgreSQL. */
  openSearchUrl?: string;
  version?: number;
  openSearch?: Omit<OpenSearchSinkOptions, 'version'>;
}

/** Picks where search lives: OpenSearch when OPENSEARCH_URL is set, PostgreSQL full-text otherwise. */
export function createSearchBackend(config: SearchBackendConfig): SearchBackend {
  const nodes = (config.openSearchUrl ?? '')
    .split(',')
    .map((node) => node.trim())
    .filter(Boolean);
  if (nodes.length === 0) {
    return {
      kind: 'postgres',
      sink: new PostgresProjectionSink(config.pool, new PostgresSearchProjector(config.version)),
      sinkFor: (version) => new PostgresProjectionSink(config.pool, new PostgresSearchProjector(version)),
      reader: new PostgresSearchReader(config.pool),
      close: async () => undefined, // the pool belongs to the caller
    };
  }
  const client = new Client({ nodes });
  return {
    kind: 'opensearch',
    sink: new OpenSearchSearchSink(client, { ...config.openSearch, version: config.version }),
    sinkFor: (version) => new OpenSearchSearchSink(client, { ...config.openSearch, version }),
    reader: new OpenSearchSearchReader(client, { prefix: config.openSearch?.prefix }),
    close: () => client.close(),
  };
}
