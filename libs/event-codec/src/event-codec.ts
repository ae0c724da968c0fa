import { types } from 'node:util';
import { personalDataOf, schemaVersionOf, upcast } from '@accounts/domain';
import { type EventMetadata, isConnectionError, type NewEvent, type RecordedEvent } from '@accounts/event-store';
import { type FieldSealer, openEventData, sealEventData, SubjectErasedError } from '@accounts/privacy';
import { checkEventShape, type ShapeCheck } from './event-shapes';

/** A domain event on its way in or out of the store: plain data, personal fields in plaintext. */
export interface PlainEvent {
  type: string;
  data: Record<string, unknown>;
}

export interface DecodedEvent extends PlainEvent {
  recorded: RecordedEvent;
}

/**
 * One event of a batch decoded for a reader that must not stop at a bad one (a projector): the domain event, typed
 * and its shape checked; an event of a type the domain does not declare; or the reason it could not be read (its
 * error's class, or the malformed field's name: never a value).
 */
export type DecodeOutcome = ShapeCheck & { recorded: RecordedEvent };

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

  /**
   * Like `decode`, then checks each event's shape against the domain's types; an event that cannot be decoded or has
   * the wrong shape comes back as undecodable in its place, so one bad event spoils nothing. The data keys' database
   * being unreachable says nothing about any event: that throws, so the caller retries the batch instead of parking it.
   */
  async decodeEach(events: RecordedEvent[], options: DecodeOptions = {}): Promise<DecodeOutcome[]> {
    const decoded = await this.decode(events, options).catch((error: unknown) => {
      if (isConnectionError(error)) throw error;
      return Promise.all(events.map((event) => this.decodeOne(event, options)));
    });
    return decoded.map((event) => ('kind' in event ? event : { ...checkEventShape(event.type, event.data), recorded: event.recorded }));
  }

  private decodeOne(event: RecordedEvent, options: DecodeOptions): Promise<DecodedEvent | DecodeOutcome> {
    return this.decode([event], options).then(
      ([decoded]) => decoded!,
      (error: unknown) => {
        if (isConnectionError(error)) throw error;
        return undecodable(event, error);
      },
    );
  }
}

function undecodable(recorded: RecordedEvent, error: unknown): DecodeOutcome {
  return { kind: 'undecodable', reason: types.isNativeError(error) ? error.name : 'undecodable event', recorded };
}
