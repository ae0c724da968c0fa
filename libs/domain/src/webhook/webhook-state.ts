import type { WebhookEvent } from './webhook-events';

export type WebhookState =
  | { status: 'none' }
  | { status: 'deleted'; webhookId: string }
  | {
      status: 'enabled' | 'disabled';
      webhookId: string;
      url: string;
      types: readonly string[];
      description: string | undefined;
      secret: string;
      previousSecret: { secret: string; expiresAt: string } | undefined;
      createdAt: string;
    };

export const initialWebhookState = (): WebhookState => ({ status: 'none' });

export function evolveWebhook(state: WebhookState, event: WebhookEvent): WebhookState {
  if (event.type === 'WebhookEndpointCreated') {
    const { webhookId, url, types, description, secret, createdAt } = event.data;
    return { status: 'enabled', webhookId, url, types, description, secret, previousSecret: undefined, createdAt };
  }
  if (state.status !== 'enabled' && state.status !== 'disabled') return state;
  switch (event.type) {
    case 'WebhookEndpointUpdated': {
      const { url, types, description, enabled } = event.data;
      return { ...state, url, types, description, status: enabled ? 'enabled' : 'disabled' };
    }
    case 'WebhookSecretRotated':
      return { ...state, secret: event.data.secret, previousSecret: { secret: state.secret, expiresAt: event.data.previousSecretExpiresAt } };
    case 'WebhookEndpointDisabled':
      return { ...state, status: 'disabled' };
    case 'WebhookEndpointDeleted':
      return { status: 'deleted', webhookId: state.webhookId };
  }
}

/** An endpoint's stream stays short (a handful of events), so folding event by event is linear enough. */
export function foldWebhook(state: WebhookState, events: readonly WebhookEvent[]): WebhookState {
  return events.reduce(evolveWebhook, state);
}

/** The secrets a delivery at `now` is signed with: the current one, and the previous one for a day after a rotation. */
export function signingSecrets(state: Extract<WebhookState, { status: 'enabled' | 'disabled' }>, now: string): string[] {
  const previous = state.previousSecret;
  return previous && previous.expiresAt > now ? [state.secret, previous.secret] : [state.secret];
}
