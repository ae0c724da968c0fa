import type { Pool, PoolClient } from 'pg';
import { ERASED_VALUE, type DataKeyStore } from '@accounts/privacy';
import type { ProjectedEvent } from '../runtime/projected-event';
import type { PostgresProjector } from '../runtime/postgres-sink';
import type { OrganizationSteps } from '../runtime/organization-steps';
import { createVersionedTables, type VersionedTables } from '../runtime/versioned-tables';

/** The reaction's own memory of $all: each invitation's due time, its end, who accepted it, and whose key is gone. */
class InvitationScheduleTables implements VersionedTables {
  readonly liveView = 'invitation_schedule';

  constructor(readonly version: number) {}

  get schedule(): string {
    return `invitation_schedule_v${this.version}`;
  }

  createStatements(): string[] {
    return [
      `CREATE TABLE IF NOT EXISTS ${this.schedule} (
         invitation_id    uuid        PRIMARY KEY,
         org_id           uuid        NOT NULL,
         expires_at       timestamptz NOT NULL,
         ended_at         timestamptz,
         accepted_by      uuid,
         -- while pending only: the keyed hash of the invited address, for erasing a person's pending invitations
         address_key      text,
         key_destroyed_at timestamptz
       )`,
      `CREATE INDEX IF NOT EXISTS ${this.schedule}_due ON ${this.schedule} (expires_at) WHERE ended_at IS NULL`,
      `CREATE INDEX IF NOT EXISTS ${this.schedule}_retained ON ${this.schedule} (ended_at) WHERE ended_at IS NOT NULL AND key_destroyed_at IS NULL`,
      `CREATE INDEX IF NOT EXISTS ${this.schedule}_address ON ${this.schedule} (address_key) WHERE address_key IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS ${this.schedule}_accepted_by ON ${this.schedule} (accepted_by) WHERE accepted_by IS NOT NULL`,
    ];
  }

  activateStatements(): string[] {
    return [`CREATE OR REPLACE VIEW ${this.liveView} AS SELECT * FROM ${this.schedule}`];
  }

  tableNames(): string[] {
    return [this.schedule];
  }
}

/**
 * Invitations' schedule, as a projection of its own on $all (own checkpoint, lease, dead letters): it keeps each
 * invitation's due time and end from the events, so that `InvitationScheduler` can expire the ones due even if nobody
 * asks, and destroy an ended invitation's data key once its retention has passed. Erasing a person destroys the keys of
 * the invitations they accepted here too (the erasure command does it first, for those this table knew of).
 */
export class InvitationScheduleReaction implements PostgresProjector {
  readonly name = 'invitations';
  readonly tables: InvitationScheduleTables;

  constructor(
    readonly version: number,
    private readonly keys: DataKeyStore,
  ) {
    this.tables = new InvitationScheduleTables(version);
  }

  async createTables(client: PoolClient): Promise<void> {
    await createVersionedTables(client, this.tables);
  }

  async apply(client: PoolClient, events: ProjectedEvent[]): Promise<void> {
    const { schedule } = this.tables;
    const toDestroy: string[] = [];
    for (const event of events) {
      if (event.kind !== 'domain') continue;
      switch (event.type) {
        case 'InvitationCreated': {
          const { invitationId, organizationId, expiresAt, emailHash } = event.data;
          await client.query(
            `INSERT INTO ${schedule} (invitation_id, org_id, expires_at, address_key) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
            [invitationId, organizationId, expiresAt, emailHash === ERASED_VALUE ? null : emailHash],
          );
          break;
        }
        case 'InvitationResent':
          await client.query(`UPDATE ${schedule} SET expires_at = $2 WHERE invitation_id = $1 AND ended_at IS NULL`, [event.data.invitationId, event.data.expiresAt]);
          break;
        case 'InvitationRevoked':
        case 'InvitationExpired': {
          const at = event.type === 'InvitationRevoked' ? event.data.revokedAt : event.data.expiredAt;
          await client.query(`UPDATE ${schedule} SET ended_at = $2, address_key = NULL WHERE invitation_id = $1 AND ended_at IS NULL`, [event.data.invitationId, at]);
          break;
        }
        case 'InvitationAccepted':
          await client.query(`UPDATE ${schedule} SET ended_at = $2, accepted_by = $3, address_key = NULL WHERE invitation_id = $1 AND ended_at IS NULL`, [
            event.data.invitationId,
            event.data.acceptedAt,
            event.data.userId,
          ]);
          break;
        case 'UserErased': {
          // The address they were invited at is theirs: the invitations they accepted are shredded with them.
          const { rows } = await client.query<{ invitation_id: string }>(
            `UPDATE ${schedule} SET key_destroyed_at = now() WHERE accepted_by = $1 AND key_destroyed_at IS NULL RETURNING invitation_id`,
            [event.data.userId],
          );
          toDestroy.push(...rows.map((row) => row.invitation_id));
          break;
        }
      }
    }
    // Before the batch's checkpoint commits; a failed batch is applied again, and destroying a key twice is harmless.
    for (const invitationId of toDestroy) await this.keys.destroy(invitationId);
  }
}

export interface InvitationSchedulerOptions {
  /** How long an ended invitation's address is kept before its key is destroyed (INVITATION_RETENTION_DAYS). */
  retentionDays: number;
  /** The clock the schedule decides by; tests inject one. */
  now?: () => Date;
  /** How many due invitations one sweep handles (the next sweep takes the rest). */
  batchSize?: number;
}

/**
 * Acts on the schedule the reaction keeps: expires the pending invitations that are due (`ExpireInvitation` on the
 * organization's stream, decided there, so a resend or an acceptance that came first wins), and destroys the data key
 * of each invitation that ended more than the retention ago. Both are idempotent, so a sweep that dies half-way, or
 * runs in two processes at once, is harmless; the host runs it where the reaction's lease is held.
 */
export class InvitationScheduler {
  now: () => Date;
  private readonly batchSize: number;

  constructor(
    private readonly pool: Pool,
    private readonly steps: OrganizationSteps,
    private readonly keys: DataKeyStore,
    private readonly options: InvitationSchedulerOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.batchSize = options.batchSize ?? 500;
  }

  /** One pass: returns how many invitations it expired and how many keys it destroyed. */
  async sweep(): Promise<{ expired: number; destroyed: number }> {
    const now = this.now();
    let expired = 0;
    const due = await this.pool.query<{ invitation_id: string; org_id: string }>(
      `SELECT invitation_id, org_id FROM invitation_schedule WHERE ended_at IS NULL AND expires_at <= $1 ORDER BY expires_at LIMIT $2`,
      [now.toISOString(), this.batchSize],
    );
    for (const { invitation_id: invitationId, org_id: organizationId } of due.rows) {
      const step = (at: string) => ({ type: 'ExpireInvitation' as const, data: { invitationId, now: at } });
      if (await this.steps.run(organizationId, step, { now: this.now, service: 'invitations', causationId: invitationId })) expired++;
    }
    const retainedUntil = new Date(now.getTime() - this.options.retentionDays * 86_400_000).toISOString();
    const ended = await this.pool.query<{ invitation_id: string }>(
      `SELECT invitation_id FROM invitation_schedule WHERE ended_at IS NOT NULL AND key_destroyed_at IS NULL AND ended_at <= $1 LIMIT $2`,
      [retainedUntil, this.batchSize],
    );
    for (const { invitation_id: invitationId } of ended.rows) {
      await this.keys.destroy(invitationId);
      await this.pool.query(`UPDATE invitation_schedule SET key_destroyed_at = $2 WHERE invitation_id = $1`, [invitationId, now.toISOString()]);
    }
    return { expired, destroyed: ended.rows.length };
  }
}
