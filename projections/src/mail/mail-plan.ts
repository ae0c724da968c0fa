import type { EventEnvelope, ProjectedEvent } from '../runtime/projected-event';

/** What a mail is for: the purpose of the token it carries (libs/privacy emailed-token.ts). */
export type MailKind = 'email-verification' | 'password-reset' | 'invitation';

/**
 * Where a person's address is: the event that carries it (sealed there). The outbox stores this pointer, never the
 * address: the sender reads and opens that one event when it sends, so the address is opened only for sending.
 */
export interface AddressPointer {
  /** `user:<id>` (the user's current address) or `invitation:<id>` (the invitee's). */
  key: string;
  stream: string;
  revision: bigint;
}

/** One mail an event asks for: ids, the token's issue and its expiry; no address, no token. */
export interface MailRequest {
  eventId: string;
  eventType: string;
  streamName: string;
  position: EventEnvelope['position'];
  kind: MailKind;
  /** The token's subject: the user, or the organization for an invitation. */
  subjectId: string;
  tokenId: string;
  expiresAt: string;
  /** Whose address to send to (an AddressPointer's key). */
  addressKey: string;
}

/** A step of the mail projection: keep a pointer to a person's address, or queue a mail to them. */
export type MailStep = { address: AddressPointer } | { mail: MailRequest };

/**
 * The invitation events of the organization's stream, as the invite work names them: read by name and field, so the
 * mail goes out whether or not this branch's codec declares them (until it does they are foreign, carry no data
 * here, and nothing is planned).
 */
interface InvitationTokenData {
  organizationId: string;
  invitationId: string;
  tokenId: string;
  expiresAt: string;
}

const userKey = (userId: string) => `user:${userId.toLowerCase()}`;
const invitationKey = (invitationId: string) => `invitation:${invitationId.toLowerCase()}`;

/**
 * What one event means for mail, in order. Pure: the projector stores the pointers and queues the mail. A
 * verification goes to the address it proves (the user's last one before it); a reset to the user's address; an
 * invitation, and each resend with its new token, to the address its InvitationCreated carries.
 */
export function planMail(event: ProjectedEvent): MailStep[] {
  if (event.kind !== 'domain') return [];
  const { id: eventId, type: eventType, streamName, position } = event;
  const here = (key: string): MailStep => ({ address: { key, stream: streamName, revision: event.revision } });
  const mail = (kind: MailKind, subjectId: string, tokenId: string, expiresAt: string, addressKey: string): MailStep => ({
    mail: { eventId, eventType, streamName, position, kind, subjectId, tokenId, expiresAt, addressKey },
  });
  const type = event.type as string;
  if (type === 'UserRegistered' || type === 'UserEmailChanged') return [here(userKey((event.data as { userId: string }).userId))];
  if (type === 'EmailVerificationIssued' || type === 'PasswordResetRequested') {
    const data = event.data as { userId: string; tokenId: string; expiresAt: string };
    const kind = type === 'EmailVerificationIssued' ? 'email-verification' : 'password-reset';
    return [mail(kind, data.userId, data.tokenId, data.expiresAt, userKey(data.userId))];
  }
  if (type === 'InvitationCreated' || type === 'InvitationResent') {
    const data = (event as unknown as { data: InvitationTokenData }).data;
    const key = invitationKey(data.invitationId);
    return [...(type === 'InvitationCreated' ? [here(key)] : []), mail('invitation', data.organizationId, data.tokenId, data.expiresAt, key)];
  }
  return [];
}
