import { DomainError, invalid } from '../shared/domain-error';

/** The integration event types a caller may subscribe to (../shared/API.md, "Events for other services"). */
export const INTEGRATION_EVENT_TYPES = [
  'user.registered',
  'user.email_changed',
  'user.email_verified',
  'user.erased',
  'organization.created',
  'organization.renamed',
  'organization.plan_changed',
  'organization.ownership_transferred',
  'membership.created',
  'membership.role_changed',
  'membership.removed',
  'invitation.created',
  'invitation.accepted',
  'invitation.revoked',
  'invitation.expired',
  'webhook.disabled',
] as const;

const MAX_URL_LENGTH = 2048;
const MAX_DESCRIPTION_LENGTH = 500;

/**
 * A target URL as far as its text goes: absolute, https (http only where private targets are allowed), no
 * credentials (they would be a secret in the read model and the logs), no fragment. Where it resolves to is the
 * handler's fact, checked by `requireAllowedTarget`.
 */
export function parseWebhookUrl(text: string, allowPrivate: boolean): string {
  if (text.length > MAX_URL_LENGTH) throw invalid('url', `at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('url', 'not an absolute URL');
  }
  const schemes = allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) throw refused('url', 'must be https');
  if (url.username || url.password) throw invalid('url', 'must not contain credentials');
  if (url.hash) throw invalid('url', 'must not contain a fragment');
  return url.toString();
}

export function parseWebhookTypes(types: readonly string[]): string[] {
  if (types.length === 0) throw invalid('types', 'name at least one event type');
  const known = INTEGRATION_EVENT_TYPES as readonly string[];
  const unknown = types.findIndex((type) => !known.includes(type));
  if (unknown >= 0) throw new DomainError('validation_failed', 'types names an unknown event type.', [{ field: `types.${unknown}`, message: 'unknown event type' }]);
  return [...new Set(types)].sort();
}

export function parseWebhookDescription(description: string | undefined): string | undefined {
  if (description === undefined) return undefined;
  if (description.length > MAX_DESCRIPTION_LENGTH) throw invalid('description', `at most ${MAX_DESCRIPTION_LENGTH} characters`);
  return description;
}

/** A refused target: the message names the rule, never the address it resolved to. */
export const refused = (field: string, message: string) =>
  new DomainError('webhook_target_refused', `The webhook URL is refused: ${message}.`, [{ field, message }]);
