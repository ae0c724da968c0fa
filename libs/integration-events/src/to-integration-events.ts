import type { DomainEvent } from '@accounts/event-codec';
import { INTEGRATION_EVENT_VERSIONS, type IntegrationEvent, type IntegrationEventType } from './integration-event';

type DomainType = DomainEvent['type'];
type DataOf<T extends DomainType> = Extract<DomainEvent, { type: T }>['data'];

/** What the store recorded about the event: its id (the integration event's id derives from it) and its time. */
export interface StoredFacts {
  id: string;
  occurredAt: string;
}

interface Publication<T extends DomainType> {
  type: IntegrationEventType;
  data(data: DataOf<T>): Record<string, unknown>;
}

/**
 * The one place domain events become integration events. Every domain type has an entry, `null` for those other
 * services are not told about (sessions, passwords, avatars, payment methods, email reservations), so a new domain
 * event is a compile error here until someone decides. Each `data` picks ids and enumerated values by name, never
 * spreading the domain's data: a personal field added to a domain event cannot leak into a payload by accident.
 * Organization names are left out too: the contract is ids only, a consumer reads the current name by id, and a
 * name can be a person's (a sole trader's) that a delivered webhook could never take back.
 */
const PUBLICATIONS: { [T in DomainType]: Publication<T> | null } = {
  UserRegistered: { type: 'user.registered', data: (d) => ({ userId: d.userId }) },
  UserEmailChanged: { type: 'user.email_changed', data: (d) => ({ userId: d.userId }) },
  UserEmailVerified: { type: 'user.email_verified', data: (d) => ({ userId: d.userId }) },
  UserErased: { type: 'user.erased', data: (d) => ({ userId: d.userId }) },
  UserPasswordChanged: null,
  UserLoggedIn: null,
  SessionRevoked: null,
  AllSessionsRevoked: null,
  UserAvatarChanged: null,
  EmailVerificationIssued: null,
  PasswordResetRequested: null,
  OrganizationCreated: { type: 'organization.created', data: (d) => ({ organizationId: d.organizationId, ownerId: d.ownerId, plan: d.plan }) },
  OrganizationRenamed: { type: 'organization.renamed', data: (d) => ({ organizationId: d.organizationId }) },
  PlanChanged: { type: 'organization.plan_changed', data: (d) => ({ organizationId: d.organizationId, plan: d.plan }) },
  OwnershipTransferred: {
    type: 'organization.ownership_transferred',
    data: (d) => ({ organizationId: d.organizationId, fromUserId: d.fromUserId, toUserId: d.toUserId }),
  },
  PaymentMethodSet: null,
  OrganizationLogoChanged: null,
  MemberJoined: {
    type: 'membership.created',
    // `invitationId` when the member joined by accepting an invitation.
    data: (d) => ({ organizationId: d.organizationId, userId: d.userId, role: d.role, ...(d.invitationId ? { invitationId: d.invitationId } : {}) }),
  },
  MemberRoleChanged: {
    type: 'membership.role_changed',
    data: (d) => ({ organizationId: d.organizationId, userId: d.userId, role: d.role, previousRole: d.previousRole }),
  },
  MemberRemoved: {
    type: 'membership.removed',
    data: (d) => ({ organizationId: d.organizationId, userId: d.userId, reason: d.reason, ...(d.byUserId ? { byUserId: d.byUserId } : {}) }),
  },
  MemberLeft: { type: 'membership.removed', data: (d) => ({ organizationId: d.organizationId, userId: d.userId, reason: 'left' }) },
  EmailReserved: null,
  EmailReleased: null,
  // Webhook endpoints are the callers' own configuration; only a disabling is news (its URL and secret never are).
  WebhookEndpointCreated: null,
  WebhookEndpointUpdated: null,
  WebhookSecretRotated: null,
  WebhookEndpointDeleted: null,
  WebhookEndpointDisabled: { type: 'webhook.disabled', data: (d) => ({ webhookId: d.webhookId, reason: d.reason, eventId: d.eventId }) },
  InvitationCreated: {
    type: 'invitation.created',
    data: (d) => ({ organizationId: d.organizationId, invitationId: d.invitationId, role: d.role, invitedBy: d.invitedBy, expiresAt: d.expiresAt }),
  },
  InvitationAccepted: { type: 'invitation.accepted', data: (d) => ({ organizationId: d.organizationId, invitationId: d.invitationId, userId: d.userId }) },
  InvitationRevoked: { type: 'invitation.revoked', data: (d) => ({ organizationId: d.organizationId, invitationId: d.invitationId, byUserId: d.byUserId }) },
  // A resend changes only the token: nothing another service acts on.
  InvitationResent: null,
  InvitationExpired: { type: 'invitation.expired', data: (d) => ({ organizationId: d.organizationId, invitationId: d.invitationId }) },
};

/**
 * The integration events one stored domain event publishes: none or one today (the array leaves room for an event
 * that tells two things). Pure: the same stored event always maps to the same events, ids included.
 */
export function toIntegrationEvents(event: DomainEvent, stored: StoredFacts): IntegrationEvent[] {
  const publication = PUBLICATIONS[event.type] as Publication<DomainType> | null | undefined;
  if (!publication) return [];
  return [{ id: integrationEventId(stored.id, 0), type: publication.type, version: INTEGRATION_EVENT_VERSIONS[publication.type], occurredAt: stored.occurredAt, data: publication.data(event.data) }];
}

/** `evt_<stored event id>`, then `_<n>` for any further event of the same stored one: stable as the store's id. */
export function integrationEventId(storedEventId: string, index: number): string {
  return index === 0 ? `evt_${storedEventId}` : `evt_${storedEventId}_${index}`;
}

/** The domain event types that publish any of `types`: what a reader of the store filters on. */
export function sourceTypesOf(types: readonly IntegrationEventType[]): string[] {
  return Object.entries(PUBLICATIONS)
    .filter(([, publication]) => publication !== null && types.includes(publication.type))
    .map(([type]) => type);
}

/** What the store recorded, as `RecordedEvent` (libs/event-store) has it; typed here by shape, not imported. */
export interface StoredEventFacts {
  id: string;
  metadata: { occurredAt: string };
}

/** A shape check's outcome, as libs/event-codec's `decodeEach` returns it (`DecodeOutcome`), typed here by shape. */
export type CheckedEvent = { kind: 'domain'; event: DomainEvent } | { kind: 'foreign' } | { kind: 'undecodable'; reason: string };

/**
 * The integration events of one event decoded by the codec (`decodeEach`): a domain event maps as it is; a foreign
 * one (not ours) and one that could not be decoded publish nothing (a projector parks it; the feed moves past it).
 */
export function integrationEventsOf(checked: CheckedEvent, recorded: StoredEventFacts): IntegrationEvent[] {
  if (checked.kind !== 'domain') return [];
  return toIntegrationEvents(checked.event, { id: recorded.id, occurredAt: recorded.metadata.occurredAt });
}
