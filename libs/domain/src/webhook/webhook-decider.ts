import { DomainError } from '../shared/domain-error';
import type { WebhookCommand, WebhookTargetFacts } from './webhook-commands';
import type { WebhookEvent } from './webhook-events';
import { evolveWebhook, foldWebhook, initialWebhookState, type WebhookState } from './webhook-state';
import { parseWebhookDescription, parseWebhookTypes, parseWebhookUrl, refused } from './webhook-values';

type Endpoint = Extract<WebhookState, { status: 'enabled' | 'disabled' }>;
type Command<T extends WebhookCommand['type']> = Extract<WebhookCommand, { type: T }>;

/** Deliveries are signed with both secrets for this long after a rotation, so receivers can switch without loss. */
export const PREVIOUS_SECRET_VALID_MS = 24 * 60 * 60 * 1000;

const notFound = () => new DomainError('webhook_not_found', 'No such webhook endpoint.');

function existing(state: WebhookState): Endpoint {
  if (state.status !== 'enabled' && state.status !== 'disabled') throw notFound();
  return state;
}

function checkedUrl(url: string, facts: WebhookTargetFacts): string {
  const parsed = parseWebhookUrl(url, facts.allowPrivate);
  if (facts.target.verdict === 'unresolvable') throw refused('url', 'its host does not resolve');
  if (facts.target.verdict === 'private' && !facts.allowPrivate) {
    throw refused('url', 'it resolves to a private, loopback, link-local or multicast address');
  }
  return parsed;
}

function create(command: Command<'CreateWebhookEndpoint'>, state: WebhookState): WebhookEvent[] {
  const { webhookId, secret, now } = command.data;
  const url = checkedUrl(command.data.url, command.data);
  const types = parseWebhookTypes(command.data.types);
  const description = parseWebhookDescription(command.data.description);
  if (state.status !== 'none') throw new DomainError('validation_failed', 'This webhook id is already taken.', [{ field: 'webhookId', message: 'already taken' }]);
  return [{ type: 'WebhookEndpointCreated', data: { webhookId, url, types, ...(description !== undefined ? { description } : {}), secret, createdAt: now } }];
}

function update(command: Command<'UpdateWebhookEndpoint'>, endpoint: Endpoint): WebhookEvent[] {
  const { now } = command.data;
  let url = endpoint.url;
  if (command.data.url !== undefined) {
    const { target, allowPrivate } = command.data;
    if (!target || allowPrivate === undefined) throw new Error('UpdateWebhookEndpoint with a url needs the target facts');
    url = checkedUrl(command.data.url, { target, allowPrivate });
  }
  const types = command.data.types !== undefined ? parseWebhookTypes(command.data.types) : [...endpoint.types];
  const description = command.data.description !== undefined ? parseWebhookDescription(command.data.description) : endpoint.description;
  const enabled = command.data.enabled ?? endpoint.status === 'enabled';
  const unchanged = url === endpoint.url && types.join() === endpoint.types.join() && description === endpoint.description && enabled === (endpoint.status === 'enabled');
  if (unchanged) return [];
  return [
    {
      type: 'WebhookEndpointUpdated',
      data: { webhookId: endpoint.webhookId, url, types, ...(description !== undefined ? { description } : {}), enabled, updatedAt: now },
    },
  ];
}

function rotate(command: Command<'RotateWebhookSecret'>, endpoint: Endpoint): WebhookEvent[] {
  const { secret, now } = command.data;
  const previousSecretExpiresAt = new Date(Date.parse(now) + PREVIOUS_SECRET_VALID_MS).toISOString();
  return [{ type: 'WebhookSecretRotated', data: { webhookId: endpoint.webhookId, secret, previousSecretExpiresAt, rotatedAt: now } }];
}

function disable(command: Command<'DisableWebhookEndpoint'>, endpoint: Endpoint): WebhookEvent[] {
  // Already disabled (by an earlier run, or a caller meanwhile): nothing more to record.
  if (endpoint.status === 'disabled') return [];
  const { eventId, failingSince, now } = command.data;
  return [{ type: 'WebhookEndpointDisabled', data: { webhookId: endpoint.webhookId, reason: 'retry_window_exhausted', eventId, failingSince, disabledAt: now } }];
}

/** An endpoint's rules. Pure: the time, the secret and where the URL resolves are the handler's facts. */
export function decideWebhook(command: WebhookCommand, state: WebhookState): WebhookEvent[] {
  if (command.type === 'CreateWebhookEndpoint') return create(command, state);
  if (command.type === 'DeleteWebhookEndpoint' && state.status === 'deleted') return []; // a repeated delete
  const endpoint = existing(state);
  switch (command.type) {
    case 'UpdateWebhookEndpoint':
      return update(command, endpoint);
    case 'RotateWebhookSecret':
      return rotate(command, endpoint);
    case 'DisableWebhookEndpoint':
      return disable(command, endpoint);
    case 'DeleteWebhookEndpoint':
      return [{ type: 'WebhookEndpointDeleted', data: { webhookId: endpoint.webhookId, deletedAt: command.data.now } }];
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled webhook command ${(unhandled as WebhookCommand).type}`);
    }
  }
}

export const webhookDecider = { decide: decideWebhook, evolve: evolveWebhook, fold: foldWebhook, initialState: initialWebhookState };
