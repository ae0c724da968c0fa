import { personalDataOf } from '@accounts/domain';
import type { DecodedEvent } from '@accounts/event-codec';
import { formatPosition } from '@accounts/event-store';
import { maskEmail, maskIp } from '@accounts/privacy';

/** One event as audit reviewers see it (../shared/API.md, Audit). */
export interface AuditEvent {
  streamName: string;
  revision: string;
  position: string;
  type: string;
  occurredAt: string;
  actor: string | null;
  service: string | null;
  correlationId: string | null;
  causationId: string | null;
  /** The client's address, when the command recorded one (masked, opened, or `[erased]`). */
  clientIp?: string;
  data: Record<string, unknown>;
}

/** What a personal field of a decoded event holds once its subject was erased (see EventCodec). */
export const ERASED_VALUE = '[erased]';
/** Secrets are never shown, not even to a reviewer with `audit:pii`: a hash or token is no evidence of anything. */
export const REDACTED_VALUE = '[redacted]';

// emailHash: an invitation's keyed hash of the invited address (matching, not evidence).
const SECRET_FIELDS = new Set(['passwordHash', 'tokenHash', 'emailHash']);

/** Masks one personal value by its kind: an address to `a***@e***.com`, an IP to its prefix, anything else to stars. */
function maskField(field: string, value: unknown): unknown {
  if (typeof value !== 'string' || value === ERASED_VALUE) return value;
  if (SECRET_FIELDS.has(field)) return REDACTED_VALUE;
  if (field === 'email') return maskEmail(value);
  if (field === 'ip') return maskIp(value);
  return `***${value.slice(-4)}`; // a payment reference: enough to tell two apart
}

/**
 * An event's data for a reviewer: the personal fields the domain's catalogue names are masked unless `pii`; secrets
 * (password hashes, session token hashes) are always redacted.
 */
export function reviewData(type: string, data: Record<string, unknown>, pii: boolean): Record<string, unknown> {
  const personal = new Set(personalDataOf(type)?.fields ?? []);
  const shown: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    if (SECRET_FIELDS.has(field)) shown[field] = value === ERASED_VALUE ? ERASED_VALUE : REDACTED_VALUE;
    else shown[field] = personal.has(field) && !pii ? maskField(field, value) : value;
  }
  return shown;
}

export function toAuditEvent(event: DecodedEvent, clientIp: string | undefined, pii: boolean): AuditEvent {
  const { recorded } = event;
  const metadata = recorded.metadata;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    streamName: recorded.streamName,
    revision: recorded.revision.toString(),
    position: formatPosition(recorded.position),
    type: event.type,
    occurredAt: metadata.occurredAt,
    actor: text(metadata.actorId),
    service: text(metadata.service),
    correlationId: text(metadata.correlationId),
    causationId: text(metadata.causationId),
    ...(clientIp !== undefined ? { clientIp: pii || clientIp === ERASED_VALUE ? clientIp : maskIp(clientIp) } : {}),
    data: reviewData(event.type, event.data, pii),
  };
}

function redactSecrets(entry: Record<string, unknown>): Record<string, unknown> {
  const shown = { ...entry };
  for (const field of SECRET_FIELDS) if (typeof shown[field] === 'string') shown[field] = shown[field] === ERASED_VALUE ? ERASED_VALUE : REDACTED_VALUE;
  return shown;
}

/** A user's or an organization's state for a reviewer, masked like event data. */
export function reviewState(state: object, pii: boolean): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...state };
  if ('passwordHash' in shown) shown['passwordHash'] = shown['passwordHash'] === ERASED_VALUE ? ERASED_VALUE : REDACTED_VALUE;
  if (typeof shown['email'] === 'string' && !pii) shown['email'] = maskField('email', shown['email']);
  const payment = shown['paymentMethod'] as { processor: string; paymentMethodId: string } | undefined;
  if (payment && !pii) shown['paymentMethod'] = { ...payment, paymentMethodId: maskField('paymentMethodId', payment.paymentMethodId) };
  const invitations = shown['invitations'] as Record<string, Record<string, unknown>> | undefined;
  if (invitations) shown['invitations'] = Object.fromEntries(Object.entries(invitations).map(([id, entry]) => [id, redactSecrets(entry)]));
  return shown;
}
