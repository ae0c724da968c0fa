import type { VersionedTables } from '../runtime/versioned-tables';

/**
 * The read model's tables (../shared/seed-data-models.md), one set per projection version: `users_v1`,
 * `organizations_v1`, `memberships_v1`. Queries read the views `users`, `organizations`, `memberships`, which point
 * at the live version; a rebuild fills version N+1 beside it and swaps the views in one transaction.
 */
export class ReadModelTables implements VersionedTables {
  readonly liveView = 'users';

  constructor(readonly version: number) {}

  get users(): string {
    return `users_v${this.version}`;
  }

  get organizations(): string {
    return `organizations_v${this.version}`;
  }

  get memberships(): string {
    return `memberships_v${this.version}`;
  }

  get invitations(): string {
    return `invitations_v${this.version}`;
  }

  createStatements(): string[] {
    return [
      `CREATE TABLE IF NOT EXISTS ${this.users} (
         id              uuid        PRIMARY KEY,
         email           text,
         -- still sealed with the person's data key, as in the event: the read model never holds a usable hash
         password_hash   text,
         created_at      timestamptz NOT NULL,
         last_login_at   timestamptz,
         avatar_url      text,
         erased_at       timestamptz,
         email_verified  boolean     NOT NULL DEFAULT false
       )`,
      `CREATE TABLE IF NOT EXISTS ${this.organizations} (
         id                uuid        PRIMARY KEY,
         name              text        NOT NULL,
         plan              text        NOT NULL CHECK (plan IN ('free', 'pro', 'enterprise')),
         owner_id          uuid        NOT NULL,
         member_count      integer     NOT NULL DEFAULT 0,
         logo_url          text,
         payment_processor text,
         payment_method_id text,
         created_at        timestamptz NOT NULL
       )`,
      `CREATE TABLE IF NOT EXISTS ${this.memberships} (
         org_id     uuid        NOT NULL,
         user_id    uuid        NOT NULL,
         role       text        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
         joined_at  timestamptz NOT NULL,
         PRIMARY KEY (org_id, user_id)
       )`,
      `CREATE TABLE IF NOT EXISTS ${this.invitations} (
         id          uuid        PRIMARY KEY,
         org_id      uuid        NOT NULL,
         -- sealed with the invitation's own data key (enc:v1:…), opened by the query; null once erased
         email       text,
         role        text        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
         status      text        NOT NULL CHECK (status IN ('pending', 'accepted', 'revoked', 'expired')),
         invited_by  uuid        NOT NULL,
         created_at  timestamptz NOT NULL,
         expires_at  timestamptz NOT NULL,
         ended_at    timestamptz
       )`,
    ];
  }

  /** The lookups and pages queries read; the projector itself reads only by primary key. */
  queryIndexStatements(): string[] {
    return [
      // Not unique: the write side guarantees unique emails; a read model must never refuse an event.
      `CREATE INDEX IF NOT EXISTS ${this.users}_email ON ${this.users} (email) WHERE email IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS ${this.memberships}_user ON ${this.memberships} (user_id)`,
      `CREATE INDEX IF NOT EXISTS ${this.memberships}_page ON ${this.memberships} (org_id, joined_at, user_id)`,
      `CREATE INDEX IF NOT EXISTS ${this.invitations}_page ON ${this.invitations} (org_id, created_at, id)`,
    ];
  }

  tableNames(): string[] {
    return [this.users, this.organizations, this.memberships, this.invitations];
  }

  /** Points the query views at this version. Run inside a transaction for an atomic swap. */
  activateStatements(): string[] {
    return [
      `CREATE OR REPLACE VIEW users AS SELECT * FROM ${this.users}`,
      `CREATE OR REPLACE VIEW organizations AS SELECT * FROM ${this.organizations}`,
      `CREATE OR REPLACE VIEW memberships AS SELECT * FROM ${this.memberships}`,
      `CREATE OR REPLACE VIEW invitations AS SELECT * FROM ${this.invitations}`,
    ];
  }
}
