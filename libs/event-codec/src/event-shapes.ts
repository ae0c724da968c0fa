import { z } from 'zod';
import { type EmailReservationEvent, type OrganizationEvent, PLANS, ROLES, type UserEvent, type WebhookEvent } from '@accounts/domain';

/** Every event the domain declares: what a decoded event is, once its shape has been checked. */
export type DomainEvent = UserEvent | OrganizationEvent | EmailReservationEvent | WebhookEvent;
export type DomainEventType = DomainEvent['type'];
export type DomainEventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;

const id = z.string().min(1);
// The domain writes times as `Date#toISOString()`; a read model stores them in timestamptz columns.
const time = z.iso.datetime({ offset: true });
// Personal fields arrive opened, as `[erased]` once their key is gone, or (secrets) still sealed: text in each case.
const text = z.string();
const name = z.string().min(1);
const plan = z.enum(PLANS);
const role = z.enum(ROLES);

/**
 * The data shape of each domain event type, checked against the domain's own types: the mapped type makes a missing
 * event type, or a schema that does not yield exactly the event's data, a compile error.
 */
const SHAPES: { [T in DomainEventType]: z.ZodType<DomainEventOf<T>['data']> } = {
  UserRegistered: z.object({ userId: id, email: text, passwordHash: text, registeredAt: time }),
  UserEmailChanged: z.object({ userId: id, email: text, changedAt: time }),
  UserPasswordChanged: z.object({ userId: id, passwordHash: text, changedAt: time }),
  UserLoggedIn: z.object({ userId: id, sessionId: id, tokenHash: text, expiresAt: time, ip: text.optional(), at: time }),
  SessionRevoked: z.object({ userId: id, sessionId: id, at: time }),
  AllSessionsRevoked: z.object({ userId: id, at: time }),
  UserAvatarChanged: z.object({ userId: id, avatarUrl: text, objectKey: text, changedAt: time }),
  UserErased: z.object({ userId: id, erasedAt: time }),
  EmailVerificationIssued: z.object({ userId: id, tokenId: id, tokenHash: text, expiresAt: time, issuedAt: time }),
  UserEmailVerified: z.object({ userId: id, verifiedAt: time }),
  PasswordResetRequested: z.object({ userId: id, tokenId: id, tokenHash: text, expiresAt: time, requestedAt: time }),
  OrganizationCreated: z.object({ organizationId: id, name, plan, ownerId: id, createdAt: time }),
  OrganizationRenamed: z.object({ organizationId: id, name, renamedAt: time }),
  PlanChanged: z.object({ organizationId: id, plan, changedAt: time }),
  OwnershipTransferred: z.object({ organizationId: id, fromUserId: id, toUserId: id, transferredAt: time }),
  PaymentMethodSet: z.object({ organizationId: id, processor: name, paymentMethodId: text, setAt: time }),
  OrganizationLogoChanged: z.object({ organizationId: id, logoUrl: text, objectKey: text, changedAt: time }),
  MemberJoined: z.object({ organizationId: id, userId: id, role, joinedAt: time, invitationId: id.optional() }),
  MemberRoleChanged: z.object({ organizationId: id, userId: id, role, previousRole: role, changedAt: time }),
  MemberRemoved: z.object({ organizationId: id, userId: id, byUserId: id.optional(), reason: z.enum(['removed', 'erased']), removedAt: time }),
  MemberLeft: z.object({ organizationId: id, userId: id, leftAt: time }),
  InvitationCreated: z.object({
    organizationId: id,
    invitationId: id,
    email: text,
    emailHash: text,
    role,
    invitedBy: id,
    tokenId: id,
    tokenHash: text,
    expiresAt: time,
    createdAt: time,
  }),
  InvitationResent: z.object({ organizationId: id, invitationId: id, tokenId: id, tokenHash: text, expiresAt: time, resentAt: time }),
  InvitationRevoked: z.object({ organizationId: id, invitationId: id, byUserId: id, revokedAt: time }),
  InvitationAccepted: z.object({ organizationId: id, invitationId: id, userId: id, acceptedAt: time }),
  InvitationExpired: z.object({ organizationId: id, invitationId: id, expiredAt: time }),
  EmailReserved: z.object({ userId: id, at: time }),
  EmailReleased: z.object({ userId: id, reason: z.enum(['changed', 'erased', 'abandoned']), at: time }),
  WebhookEndpointCreated: z.object({ webhookId: id, url: text, types: z.array(text), description: text.optional(), secret: text, createdAt: time }),
  WebhookEndpointUpdated: z.object({ webhookId: id, url: text, types: z.array(text), description: text.optional(), enabled: z.boolean(), updatedAt: time }),
  WebhookSecretRotated: z.object({ webhookId: id, secret: text, previousSecretExpiresAt: time, rotatedAt: time }),
  WebhookEndpointDisabled: z.object({ webhookId: id, reason: z.literal('retry_window_exhausted'), eventId: id, failingSince: time, disabledAt: time }),
  WebhookEndpointDeleted: z.object({ webhookId: id, deletedAt: time }),
};

/**
 * What an event's type and data are, checked: a domain event (typed, `type` narrows `data`, unknown fields dropped),
 * an event of a type the domain does not declare (an audit read: no projection reads its data), or a malformed one.
 */
export type ShapeCheck =
  | { kind: 'domain'; event: DomainEvent }
  | { kind: 'foreign' }
  | { kind: 'undecodable'; reason: string };

const isDomainEventType = (type: string): type is DomainEventType => Object.hasOwn(SHAPES, type);

export function checkEventShape(type: string, data: unknown): ShapeCheck {
  if (!isDomainEventType(type)) return { kind: 'foreign' };
  const parsed = SHAPES[type].safeParse(data);
  if (parsed.success) return { kind: 'domain', event: { type, data: parsed.data } as DomainEvent };
  // The reason names the first field at fault, never its value (which may be personal data).
  const field = parsed.error.issues[0]?.path.map(String).join('.');
  return { kind: 'undecodable', reason: field ? `MalformedEventError ${field}` : 'MalformedEventError' };
}
