import type { PoolClient } from 'pg';
import type { ProjectedEvent } from '../runtime/projected-event';
import type { PostgresProjector } from '../runtime/postgres-sink';
import { createVersionedTables, type VersionedTables } from '../runtime/versioned-tables';
import type { ErasedMemberRemover } from './erased-member-remover';

/** The reaction's own memory of $all: who belongs where, and who was erased (ids only). */
class ErasureTables implements VersionedTables {
  readonly liveView = 'erasure_memberships';

  constructor(readonly version: number) {}

  get memberships(): string {
    return `erasure_memberships_v${this.version}`;
  }

  get erased(): string {
    return `erasure_erased_users_v${this.version}`;
  }

  createStatements(): string[] {
    return [
      `CREATE TABLE IF NOT EXISTS ${this.memberships} (org_id uuid NOT NULL, user_id uuid NOT NULL, PRIMARY KEY (user_id, org_id))`,
      `CREATE TABLE IF NOT EXISTS ${this.erased} (user_id uuid PRIMARY KEY)`,
    ];
  }

  activateStatements(): string[] {
    return [`CREATE OR REPLACE VIEW ${this.liveView} AS SELECT * FROM ${this.memberships}`];
  }

  tableNames(): string[] {
    return [this.memberships, this.erased];
  }
}

/** The reason an ownership event is parked: its class name is all a dead letter records. */
export class OwnershipHandedToErasedPersonError extends Error {
  constructor() {
    super('ownership was handed to a person who is erased; an operator must transfer it');
    this.name = 'OwnershipHandedToErasedPersonError';
  }
}

interface Removal {
  organizationId: string;
  userId: string;
  causationId: string;
}

/**
 * Erasure's safety net, as a projection of its own on $all (own checkpoint, lease, dead letters): it removes an erased
 * person from every organization, whatever the read model's lag and whatever raced the erasure. The erasure command
 * removes the memberships the read model knows of; a membership it could not see (added inside the lag, or by an
 * `AddMember` that read the person as active just before `UserErased`) is removed here.
 *
 * It follows $all in order, so its own tables are exact up to its checkpoint: at `UserErased` it knows every
 * membership before it, and at a later `MemberJoined` it knows the person is erased. Removals go to the organization's
 * stream before the batch's checkpoint commits; a batch that fails is applied again, and a removal already done is
 * "nothing to do". An ownership handed to an erased person cannot be undone by anyone acting for them: that event
 * is parked as a dead letter (and so is an erasure whose removal the decider refuses because they own the
 * organization), where operators see it.
 */
export class ErasedMembersReaction implements PostgresProjector {
  readonly name = 'erasure';
  readonly tables: ErasureTables;

  constructor(
    readonly version: number,
    private readonly remover: ErasedMemberRemover,
  ) {
    this.tables = new ErasureTables(version);
  }

  async createTables(client: PoolClient): Promise<void> {
    await createVersionedTables(client, this.tables);
  }

  async apply(client: PoolClient, events: ProjectedEvent[]): Promise<void> {
    const { memberships, erased } = this.tables;
    const removals: Removal[] = [];
    for (const event of events) {
      if (event.kind !== 'domain') continue; // undecodable ones are parked by the sink; foreign ones concern no member
      switch (event.type) {
        case 'MemberJoined': {
          const { organizationId, userId } = event.data;
          await client.query(`INSERT INTO ${memberships} (org_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [organizationId, userId]);
          if (await this.isErased(client, userId)) removals.push({ organizationId, userId, causationId: event.id });
          break;
        }
        case 'OwnershipTransferred':
          // Handed to someone already erased (decided on "they are active" just before their UserErased): nobody can
          // act for them, so nobody can hand it back. Whether or not they are still a member, this is an operator's
          // case: the event is parked as a dead letter of this projection, and the projection goes on.
          if (await this.isErased(client, event.data.toUserId)) throw new OwnershipHandedToErasedPersonError();
          break;
        case 'MemberRemoved':
        case 'MemberLeft':
          await client.query(`DELETE FROM ${memberships} WHERE org_id = $1 AND user_id = $2`, [event.data.organizationId, event.data.userId]);
          break;
        case 'UserErased': {
          const { userId } = event.data;
          await client.query(`INSERT INTO ${erased} (user_id) VALUES ($1) ON CONFLICT DO NOTHING`, [userId]);
          const { rows } = await client.query<{ org_id: string }>(`SELECT org_id FROM ${memberships} WHERE user_id = $1`, [userId]);
          for (const row of rows) removals.push({ organizationId: row.org_id, userId, causationId: event.id });
          break;
        }
      }
    }
    for (const removal of removals) await this.remover.remove(removal.organizationId, removal.userId, removal.causationId);
  }

  private async isErased(client: PoolClient, userId: string): Promise<boolean> {
    const { rowCount } = await client.query(`SELECT 1 FROM ${this.tables.erased} WHERE user_id = $1`, [userId]);
    return rowCount === 1;
  }
}
