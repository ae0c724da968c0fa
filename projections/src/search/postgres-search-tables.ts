import type { VersionedTables } from '../runtime/versioned-tables';
import { EMAIL_WORD_SEPARATORS } from './search-query';

/**
 * The PostgreSQL search tables, one pair per projection version (`search_users_v1`, `search_organizations_v1`).
 * Queries read the views `search_users` and `search_organizations`, which point at the live version; a rebuild fills
 * version N+1 beside it and swaps the views in one transaction. Needs pg_trgm (migrations/0005_search.sql).
 */
export class SearchTables implements VersionedTables {
  readonly liveView = 'search_users';

  constructor(readonly version: number) {}

  get users(): string {
    return `search_users_v${this.version}`;
  }

  get organizations(): string {
    return `search_organizations_v${this.version}`;
  }

  createStatements(): string[] {
    const { users, organizations } = this;
    return [
      // A row with a NULL email is a tombstone (an erased person): it holds no personal data, only the version that
      // keeps an older replayed event from bringing the document back. Ids sort bytewise ("C"), as OpenSearch does.
      `CREATE TABLE IF NOT EXISTS ${users} (
         id          text COLLATE "C" PRIMARY KEY,
         version     bigint NOT NULL,
         email       text,
         email_lower text GENERATED ALWAYS AS (lower(email)) STORED,
         words       tsvector GENERATED ALWAYS AS
                       (to_tsvector('simple', regexp_replace(lower(coalesce(email, '')), '${EMAIL_WORD_SEPARATORS}', ' ', 'g'))) STORED
       )`,
      // Trigram GIN serves exact, prefix (LIKE 'q%') and fuzzy (<%) matches; the tsvector GIN serves whole words.
      `CREATE INDEX IF NOT EXISTS ${users}_trgm ON ${users} USING gin (email_lower gin_trgm_ops)`,
      `CREATE INDEX IF NOT EXISTS ${users}_words ON ${users} USING gin (words)`,
      `CREATE TABLE IF NOT EXISTS ${organizations} (
         id         text COLLATE "C" PRIMARY KEY,
         version    bigint NOT NULL,
         name       text NOT NULL,
         plan       text NOT NULL,
         name_lower text GENERATED ALWAYS AS (lower(name)) STORED,
         words      tsvector GENERATED ALWAYS AS (to_tsvector('simple', name)) STORED
       )`,
      `CREATE INDEX IF NOT EXISTS ${organizations}_trgm ON ${organizations} USING gin (name_lower gin_trgm_ops)`,
      `CREATE INDEX IF NOT EXISTS ${organizations}_words ON ${organizations} USING gin (words)`,
      `CREATE INDEX IF NOT EXISTS ${organizations}_plan ON ${organizations} (plan, id)`,
    ];
  }

  tableNames(): string[] {
    return [this.users, this.organizations];
  }

  /** Points the query views at this version. Run inside a transaction for an atomic swap. */
  activateStatements(): string[] {
    return [
      `CREATE OR REPLACE VIEW search_users AS SELECT * FROM ${this.users}`,
      `CREATE OR REPLACE VIEW search_organizations AS SELECT * FROM ${this.organizations}`,
    ];
  }
}
