/**
 * The events other services read (the feed, webhooks): a published contract, separate from the domain's internal
 * event types, so the domain can change its events without breaking a consumer. `../shared/API.md`, "Events for
 * other services", lists the types; a change of a type's data shape bumps its version here.
 */
export type IntegrationEvent = {
  /** Stable forever: derived from the stored event's id, so a redelivery or a replay carries the same id. */
  id: string;
  type: string;
  version: number;
  /** ISO-8601 UTC: when the command that caused the event was decided. */
  occurredAt: string;
  /** Ids and enumerated values only: never an email, an IP, a token, a hash or a name. */
  data: Record<string, unknown>;
};

/** The published types with the current version of each one's data shape. */
export const INTEGRATION_EVENT_VERSIONS = {
  'user.registered': 1,
  'user.email_changed': 1,
  'user.email_verified': 1,
  'user.erased': 1,
  'organization.created': 1,
  'organization.renamed': 1,
  'organization.plan_changed': 1,
  'organization.ownership_transferred': 1,
  'membership.created': 1,
  'membership.role_changed': 1,
  'membership.removed': 1,
  'invitation.created': 1,
  'invitation.accepted': 1,
  'invitation.revoked': 1,
  'invitation.expired': 1,
  // A webhook endpoint disabled after its retry window (webhook deliveries): other services and operators are told.
  'webhook.disabled': 1,
} as const satisfies Record<string, number>;

export type IntegrationEventType = keyof typeof INTEGRATION_EVENT_VERSIONS;

export const INTEGRATION_EVENT_TYPES = Object.keys(INTEGRATION_EVENT_VERSIONS) as readonly IntegrationEventType[];

export function isIntegrationEventType(type: string): type is IntegrationEventType {
  return Object.hasOwn(INTEGRATION_EVENT_VERSIONS, type);
}
