import type { PoolClient } from 'pg';
import type { ProjectedEvent } from '../runtime/projected-event';
import type { PostgresProjector } from '../runtime/postgres-sink';
import { createVersionedTables, type VersionedTables } from '../runtime/versioned-tables';
import { type AddressPointer, type MailRequest, planMail } from './mail-plan';

/** The projection's own memory: where each person's address is (pointers to events, never an address). */
class MailTables implements VersionedTables {
  readonly liveView = 'mail_addresses';

  constructor(readonly version: number) {}

  get addresses(): string {
    return `mail_addresses_v${this.version}`;
  }

  createStatements(): string[] {
    return [`CREATE TABLE IF NOT EXISTS ${this.addresses} (key text PRIMARY KEY, stream_name text NOT NULL, revision bigint NOT NULL)`];
  }

  activateStatements(): string[] {
    return [`CREATE OR REPLACE VIEW ${this.liveView} AS SELECT * FROM ${this.addresses}`];
  }

  tableNames(): string[] {
    return [this.addresses];
  }
}

/** A mail for someone whose address this projection never saw: parked, for an operator. */
export class MailAddressUnknownError extends Error {
  constructor() {
    super('no event carrying the address of this mail was seen');
    this.name = 'MailAddressUnknownError';
  }
}

/**
 * The mail outbox, as a projection on $all (`mail`): each event that asks for a mail (a verification, a reset, an
 * invitation or its resend) becomes a row of `mail_outbox` in the transaction that moves the checkpoint, so a mail is
 * queued exactly once however the process dies; the sender (mail-sender.ts) delivers the rows, at least once.
 *
 * A rebuild must never resend old mail. The outbox is one table for every version, keyed by the event id, so a
 * rebuild that replays the events meets the rows the live version queued (sent or not) and leaves them be. A mail
 * whose token has expired by the time it is projected is not queued at all (it could only fail), which also covers
 * an outbox emptied by hand. A retry of this version's dead letters queues its parked mail again.
 */
export class MailOutboxProjector implements PostgresProjector {
  readonly name = 'mail';
  readonly tables: MailTables;

  constructor(
    readonly version: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tables = new MailTables(version);
  }

  async createTables(client: PoolClient): Promise<void> {
    await createVersionedTables(client, this.tables);
  }

  async apply(client: PoolClient, events: ProjectedEvent[]): Promise<void> {
    for (const event of events) {
      for (const step of planMail(event)) {
        if ('address' in step) await this.remember(client, step.address);
        else await this.queue(client, step.mail);
      }
    }
  }

  private async remember(client: PoolClient, pointer: AddressPointer): Promise<void> {
    await client.query(
      `INSERT INTO ${this.tables.addresses} (key, stream_name, revision) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET stream_name = EXCLUDED.stream_name, revision = EXCLUDED.revision`,
      [pointer.key, pointer.stream, pointer.revision.toString()],
    );
  }

  private async queue(client: PoolClient, mail: MailRequest): Promise<void> {
    if (Date.parse(mail.expiresAt) <= this.now()) return;
    const { rows } = await client.query<{ stream_name: string; revision: string }>(`SELECT stream_name, revision FROM ${this.tables.addresses} WHERE key = $1`, [mail.addressKey]);
    const address = rows[0];
    if (!address) throw new MailAddressUnknownError();
    await client.query(
      `INSERT INTO mail_outbox (event_id, event_type, stream_name, position_commit, position_prepare, kind, subject_id, token_id, expires_at, address_stream, address_revision)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (event_id) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = now(), dead_version = NULL
        WHERE mail_outbox.status = 'dead' AND mail_outbox.dead_version = $12`,
      [
        mail.eventId,
        mail.eventType,
        mail.streamName,
        mail.position.commit.toString(),
        mail.position.prepare.toString(),
        mail.kind,
        mail.subjectId,
        mail.tokenId,
        mail.expiresAt,
        address.stream_name,
        address.revision,
        this.version,
      ],
    );
  }
}
