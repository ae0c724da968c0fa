import { personalDataOf, schemaVersionOf, upcast } from '../../domain/src';
import type { EventMetadata, NewEvent, RecordedEvent } from '../../event-store/src';
import { type FieldSealer, openEventData, sealEventData, SubjectErasedError } from '../../privacy/src';

/** A domain event on its way in or out of the store: plain data, personal fields in plaintext. */
export interface PlainEvent {
  type: string;
  data: Record<string, unknown>;
}

export interface DecodedEvent extends PlainEvent {
  recorded: RecordedEvent;
}

/** Metadata every event of one command shares; `occurredAt` is the command's time. */
export interface CommandMetadata {
  occurredAt: string;
  correlationId?: string;
  causationId?: string;
  actorId?: string;
  service?: string;
  /**
   * The client's IP and whose it is (the actor, or the person the command is about): personal data, so it is sealed
   * with that person's key before it reaches the stored metadata.
   */
  clientIp?: { ip: string; subjectId: string };
}

export interface DecodeOptions {
  /** Leave secrets sealed: everyone but the write side, which checks them, reads them this way. */
  keepSecrets?: boolean;
}

/**
 * The one place where domain events become stored events and back: personal fields are sealed with their subject's
 * key on the way in (libs/domain says which), opened on the way out, and old shapes are upcast. Both the write side
 * and the projectors use it, so neither can forget a step.
 */
export class EventCodec {
  constructor(private readonly sealer: FieldSealer) {}

  async encode(event: PlainEvent, id: string, metadata: CommandMetadata): Promise<NewEvent> {
    const { clientIp, ...rest } = metadata;
    const stored: EventMetadata = { ...rest, schemaVersion: schemaVersionOf(event.type) };
    if (clientIp) {
      try {
        stored.clientIp = await this.sealer.seal(clientIp.subjectId, clientIp.ip);
        stored.clientIpSubject = clientIp.subjectId;
      } catch (error) {
        // The person the address belongs to was erased: nothing of theirs may be stored, so the address is left out.
        if (!(error instanceof SubjectErasedError)) throw error;
      }
    }
    return { id, type: event.type, data: await sealEventData(event.data, personalDataOf(event.type), this.sealer), metadata: stored };
  }

  /**
   * Decodes a batch; personal fields of erased subjects read as `[erased]`. Throws on a tampered value. With
   * `keepSecrets`, secrets (libs/domain's catalogue: password hashes, payment references) stay sealed.
   */
  async decode(events: RecordedEvent[], options: DecodeOptions = {}): Promise<DecodedEvent[]> {
    const opened = await openEventData(
      events.map((event) => ({ data: event.data as Record<string, unknown>, spec: personalDataOf(event.type) })),
      this.sealer,
      options,
    );
    return events.map((recorded, i) => ({
      type: recorded.type,
      data: upcast(recorded.type, recorded.metadata.schemaVersion ?? 1, opened[i]!),
      recorded,
    }));
  }

  /** Like `decode`, but an event that cannot be decoded comes back as its Error, so one bad event spoils nothing. */
  async decodeEach(events: RecordedEvent[], options: DecodeOptions = {}): Promise<(DecodedEvent | Error)[]> {
    try {
      return await this.decode(events, options);
    } catch {
      return Promise.all(
        events.map((event) =>
          this.decode([event], options).then(
            ([decoded]) => decoded!,
            (error: unknown) => (error instanceof Error ? error : new Error('undecodable event')),
          ),
        ),
      );
    }
  }
}
