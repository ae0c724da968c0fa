import { v7 as uuidv7 } from 'uuid';
import type { DecodedEvent, EventCodec } from '@accounts/event-codec';
import type { EventFilter, EventStore, Position, RecordedEvent } from '@accounts/event-store';
import { ERASED, type FieldSealer } from '@accounts/privacy';
import { type AuditEvent, ERASED_VALUE, toAuditEvent } from './audit-view';

/**
 * Who read personal data, as a `PersonalDataRead` event records them: the calling service (over HTTP the key's
 * service, from the CLI `cli:<operator>`), the person it acted for, and the request the read was part of. The API's
 * request context is one.
 */
export interface Reviewer {
  service: { name: string };
  actorId: string | undefined;
  correlationId: string;
  /** The causation id of the recorded read. */
  requestId: string;
}

/** What a reviewer read unmasked, as the audit trail records it (never the values themselves). */
export type PersonalDataReadSubject =
  | { kind: 'history' | 'state'; stream: string; at?: string }
  | { kind: 'export'; from?: string; to?: string; type?: string; actorId?: string };

const PAGE = 1_000;

/**
 * Reads history for audit reviewers: events decoded by the production codec (upcast, personal fields opened or
 * `[erased]`), the client IP opened from the metadata, everything masked unless the caller may see personal data —
 * and each such unmasked read itself appended as an event (`PersonalDataRead`), so the audit is audited.
 */
export class AuditReader {
  constructor(
    private readonly eventStore: EventStore,
    private readonly codec: EventCodec,
    private readonly sealer: FieldSealer,
  ) {}

  async stream(streamName: string, pii: boolean): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    for (let from = 0n; ; ) {
      const page = await this.eventStore.readStream(streamName, { fromRevision: from, maxCount: PAGE });
      events.push(...(await this.view(page, pii)));
      if (page.length < PAGE) return events;
      from = page[page.length - 1]!.revision + 1n;
    }
  }

  /** The stream's events decoded as production decodes them (personal fields in plaintext): for rebuilding state. */
  async decodedStream(streamName: string): Promise<DecodedEvent[]> {
    const decoded: DecodedEvent[] = [];
    for (let from = 0n; ; ) {
      const page = await this.eventStore.readStream(streamName, { fromRevision: from, maxCount: PAGE });
      decoded.push(...(await this.codec.decode(page)));
      if (page.length < PAGE) return decoded;
      from = page[page.length - 1]!.revision + 1n;
    }
  }

  /** Every event of $all in order, a page at a time, for exports: memory stays at one page whatever the size. */
  async *all(filter: EventFilter | undefined, pii: boolean): AsyncGenerator<AuditEvent[]> {
    let from: Position | undefined;
    for (;;) {
      const page = await this.eventStore.readAll({ from, maxCount: PAGE, ...(filter ? { filter } : {}) });
      if (page.length === 0) return;
      yield await this.view(page, pii);
      from = page[page.length - 1]!.position;
    }
  }

  /** Records that `reviewer` read personal data unmasked. Stream names carry no personal data: one per read. */
  async recordRead(reviewer: Reviewer, subject: PersonalDataReadSubject): Promise<void> {
    const at = new Date().toISOString();
    const event = await this.codec.encode(
      { type: 'PersonalDataRead', data: { readBy: reviewer.service.name, actorId: reviewer.actorId ?? null, subject, at } },
      uuidv7(),
      { occurredAt: at, correlationId: reviewer.correlationId, causationId: reviewer.requestId, service: reviewer.service.name, ...(reviewer.actorId ? { actorId: reviewer.actorId } : {}) },
    );
    await this.eventStore.appendToStream(`audit-read-${uuidv7()}`, [event], { expectedRevision: 'no_stream' });
  }

  private async view(recorded: RecordedEvent[], pii: boolean): Promise<AuditEvent[]> {
    const decoded = await this.codec.decode(recorded);
    return Promise.all(decoded.map(async (event) => toAuditEvent(event, await this.clientIp(event.recorded), pii)));
  }

  private async clientIp(event: RecordedEvent): Promise<string | undefined> {
    const { clientIp, clientIpSubject } = event.metadata as { clientIp?: unknown; clientIpSubject?: unknown };
    if (typeof clientIp !== 'string' || typeof clientIpSubject !== 'string') return undefined;
    const opened = await this.sealer.open(clientIpSubject, clientIp);
    return opened === ERASED ? ERASED_VALUE : opened;
  }
}
