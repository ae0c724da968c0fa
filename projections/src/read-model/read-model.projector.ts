import type { PoolClient } from 'pg';
import type { ProjectedEvent } from '../runtime/projected-event';
import type { PostgresProjector } from '../runtime/postgres-sink';
import { ReadModelTables } from './read-model-tables';

/** A field the event carries, as text; undefined when absent. */
function text(event: ProjectedEvent, field: string): string | undefined {
  const value = event.data[field];
  return typeof value === 'string' ? value : undefined;
}

function required(event: ProjectedEvent, field: string): string {
  const value = text(event, field);
  if (value === undefined) throw new MalformedEventError(event.type, field);
  return value;
}

/** Thrown for an event without a field the projector needs; the sink parks the event. Names the field, not data. */
export class MalformedEventError extends Error {
  constructor(type: string, field: string) {
    super(`${type} lacks ${field}`);
    this.name = 'MalformedEventError';
  }
}

const idFromStream = (event: ProjectedEvent) => event.streamName.slice(event.streamName.indexOf('-') + 1);

/**
 * The PostgreSQL read model: users, organizations, memberships. Every statement is idempotent given the order of
 * events (upserts and plain updates), and the sink commits it with the checkpoint.
 */
export class ReadModelProjector implements PostgresProjector {
  readonly name = 'read_model';
  // No subscription filter, so the checkpoint follows all of $all (see RedisSessionsSink.filter).
  readonly tables: ReadModelTables;

  constructor(readonly version = 1) {
    this.tables = new ReadModelTables(version);
  }

  async createTables(client: PoolClient): Promise<void> {
    for (const statement of this.tables.createStatements()) await client.query(statement);
    // The first version to exist becomes the live one; later versions go live only through a rebuild's swap.
    const { rows } = await client.query(`SELECT 1 FROM pg_views WHERE viewname = 'users' AND schemaname = current_schema()`);
    if (rows.length === 0) for (const statement of this.tables.activateStatements()) await client.query(statement);
  }

  async apply(client: PoolClient, events: ProjectedEvent[]): Promise<void> {
    for (const event of events) await this.applyOne(client, event);
  }

  private async applyOne(client: PoolClient, event: ProjectedEvent): Promise<void> {
    const { users, organizations, memberships } = this.tables;
    const at = event.metadata.occurredAt;
    switch (event.type) {
      case 'UserRegistered':
        await client.query(
          `INSERT INTO ${users} (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, password_hash = EXCLUDED.password_hash`,
          [idFromStream(event), text(event, 'email') ?? null, text(event, 'passwordHash') ?? null, text(event, 'registeredAt') ?? at],
        );
        return;
      case 'UserEmailChanged':
        await client.query(`UPDATE ${users} SET email = $2 WHERE id = $1`, [idFromStream(event), text(event, 'email') ?? null]);
        return;
      case 'UserPasswordChanged':
        await client.query(`UPDATE ${users} SET password_hash = $2 WHERE id = $1`, [idFromStream(event), text(event, 'passwordHash') ?? null]);
        return;
      case 'UserLoggedIn':
        await client.query(`UPDATE ${users} SET last_login_at = greatest(last_login_at, $2::timestamptz) WHERE id = $1`, [
          idFromStream(event),
          text(event, 'at') ?? at,
        ]);
        return;
      case 'UserAvatarChanged':
        await client.query(`UPDATE ${users} SET avatar_url = $2 WHERE id = $1`, [idFromStream(event), text(event, 'avatarUrl') ?? null]);
        return;
      case 'UserErased': {
        // Erasure: the row stays (ids are not personal data, and memberships history refers to it), its data goes.
        await client.query(`UPDATE ${users} SET email = NULL, password_hash = NULL, avatar_url = NULL, erased_at = $2 WHERE id = $1`, [
          idFromStream(event),
          at,
        ]);
        return;
      }
      case 'OrganizationCreated':
        await client.query(
          `INSERT INTO ${organizations} (id, name, plan, owner_id, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (id) DO NOTHING`,
          [idFromStream(event), required(event, 'name'), text(event, 'plan') ?? 'free', required(event, 'ownerId'), at],
        );
        return;
      case 'OrganizationRenamed':
        await client.query(`UPDATE ${organizations} SET name = $2 WHERE id = $1`, [idFromStream(event), required(event, 'name')]);
        return;
      case 'PlanChanged':
        await client.query(`UPDATE ${organizations} SET plan = $2 WHERE id = $1`, [idFromStream(event), required(event, 'plan')]);
        return;
      case 'OwnershipTransferred':
        await client.query(`UPDATE ${organizations} SET owner_id = $2 WHERE id = $1`, [idFromStream(event), required(event, 'toUserId')]);
        return;
      case 'PaymentMethodSet':
        await client.query(`UPDATE ${organizations} SET payment_processor = $2, payment_method_id = $3 WHERE id = $1`, [
          idFromStream(event),
          required(event, 'processor'),
          required(event, 'paymentMethodId'),
        ]);
        return;
      case 'OrganizationLogoChanged':
        await client.query(`UPDATE ${organizations} SET logo_url = $2 WHERE id = $1`, [idFromStream(event), text(event, 'logoUrl') ?? null]);
        return;
      case 'MemberJoined': {
        const inserted = await client.query(
          `INSERT INTO ${memberships} (org_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
          [idFromStream(event), required(event, 'userId'), required(event, 'role'), text(event, 'joinedAt') ?? at],
        );
        if (inserted.rowCount === 1) {
          await client.query(`UPDATE ${organizations} SET member_count = member_count + 1 WHERE id = $1`, [idFromStream(event)]);
        }
        return;
      }
      case 'MemberRoleChanged':
        await client.query(`UPDATE ${memberships} SET role = $3 WHERE org_id = $1 AND user_id = $2`, [
          idFromStream(event),
          required(event, 'userId'),
          required(event, 'role'),
        ]);
        return;
      case 'MemberRemoved':
      case 'MemberLeft': {
        const removed = await client.query(`DELETE FROM ${memberships} WHERE org_id = $1 AND user_id = $2`, [
          idFromStream(event),
          required(event, 'userId'),
        ]);
        if (removed.rowCount === 1) {
          await client.query(`UPDATE ${organizations} SET member_count = member_count - 1 WHERE id = $1`, [idFromStream(event)]);
        }
        return;
      }
      default:
        return; // events the read model does not show (sessions, audit reads)
    }
  }
}
