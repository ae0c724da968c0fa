import { deciderSpecification } from '../testing/decider-specification';
import type { WebhookCommand } from './webhook-commands';
import { webhookDecider } from './webhook-decider';
import type { WebhookEvent } from './webhook-events';
import { signingSecrets } from './webhook-state';

const spec = deciderSpecification(webhookDecider);
const webhookId = '5a1d3c2e-7b8f-4e6d-9c0a-1b2c3d4e5f60';
const now = '2026-12-01T22:00:00.000Z';
const later = '2026-12-01T23:00:00.000Z';
const url = 'https://hooks.example.com/accounts';
const allowed = { target: { verdict: 'allowed' as const }, allowPrivate: false };

const create = (overrides: Partial<Extract<WebhookCommand, { type: 'CreateWebhookEndpoint' }>['data']> = {}): WebhookCommand => ({
  type: 'CreateWebhookEndpoint',
  data: { webhookId, url, types: ['user.registered', 'membership.created'], secret: 'whsec_first', now, ...allowed, ...overrides },
});
const created: WebhookEvent = {
  type: 'WebhookEndpointCreated',
  data: { webhookId, url, types: ['membership.created', 'user.registered'], secret: 'whsec_first', createdAt: now },
};
const disabled: WebhookEvent = {
  type: 'WebhookEndpointDisabled',
  data: { webhookId, reason: 'retry_window_exhausted', eventId: '11111111-1111-4111-8111-111111111111', failingSince: now, disabledAt: later },
};

describe('webhook endpoint decider', () => {
  it('creates an endpoint with its types sorted and deduplicated', () => {
    spec.given([]).when(create({ types: ['user.registered', 'membership.created', 'user.registered'] })).then([created]);
  });

  it('refuses plain http, and private or unresolvable targets, unless private targets are allowed', () => {
    spec.given([]).when(create({ url: 'http://hooks.example.com/x' })).thenThrows('webhook_target_refused');
    spec.given([]).when(create({ target: { verdict: 'private' } })).thenThrows('webhook_target_refused', (error) => {
      expect(error.message).not.toContain('hooks.example.com');
    });
    spec.given([]).when(create({ target: { verdict: 'unresolvable' } })).thenThrows('webhook_target_refused');
    spec
      .given([])
      .when(create({ url: 'http://127.0.0.1:8080/hook', target: { verdict: 'private' }, allowPrivate: true }))
      .then([{ type: 'WebhookEndpointCreated', data: { ...created.data, url: 'http://127.0.0.1:8080/hook' } }]);
  });

  it('refuses credentials in the URL, unknown types and no types', () => {
    spec.given([]).when(create({ url: 'https://user:pw@hooks.example.com/' })).thenThrows('validation_failed', (error) => {
      expect(error.message).not.toContain('pw');
    });
    spec.given([]).when(create({ types: ['user.exploded'] })).thenThrows('validation_failed');
    spec.given([]).when(create({ types: [] })).thenThrows('validation_failed');
  });

  it('updates only what changed, and nothing when nothing did', () => {
    spec
      .given([created])
      .when({ type: 'UpdateWebhookEndpoint', data: { types: ['user.erased'], now: later } })
      .then([{ type: 'WebhookEndpointUpdated', data: { webhookId, url, types: ['user.erased'], enabled: true, updatedAt: later } }]);
    spec.given([created]).when({ type: 'UpdateWebhookEndpoint', data: { types: ['user.registered', 'membership.created'], now: later } }).then([]);
  });

  it('checks a new URL like a created one', () => {
    spec
      .given([created])
      .when({ type: 'UpdateWebhookEndpoint', data: { url: 'https://10.0.0.1/', target: { verdict: 'private' }, allowPrivate: false, now: later } })
      .thenThrows('webhook_target_refused');
  });

  it('rotates the secret, signing with both for 24 hours', () => {
    const rotated: WebhookEvent = {
      type: 'WebhookSecretRotated',
      data: { webhookId, secret: 'whsec_second', previousSecretExpiresAt: '2026-12-02T22:00:00.000Z', rotatedAt: now },
    };
    spec.given([created]).when({ type: 'RotateWebhookSecret', data: { secret: 'whsec_second', now } }).then([rotated]);
    const state = webhookDecider.fold(webhookDecider.initialState(), [created, rotated]);
    if (state.status !== 'enabled') throw new Error('expected an enabled endpoint');
    expect(signingSecrets(state, later)).toEqual(['whsec_second', 'whsec_first']);
    expect(signingSecrets(state, '2026-12-02T22:00:00.001Z')).toEqual(['whsec_second']);
  });

  it('is disabled once, after its retry window, and a caller may enable it again', () => {
    const disable: WebhookCommand = { type: 'DisableWebhookEndpoint', data: { eventId: disabled.data.eventId, failingSince: now, now: later } };
    spec.given([created]).when(disable).then([disabled]);
    spec.given([created, disabled]).when(disable).then([]);
    spec
      .given([created, disabled])
      .when({ type: 'UpdateWebhookEndpoint', data: { enabled: true, now: later } })
      .then([{ type: 'WebhookEndpointUpdated', data: { webhookId, url, types: created.data.types, enabled: true, updatedAt: later } }]);
  });

  it('deletes an endpoint; a deleted or unknown one is not found, and a repeated delete does nothing', () => {
    const deleted: WebhookEvent = { type: 'WebhookEndpointDeleted', data: { webhookId, deletedAt: later } };
    spec.given([created]).when({ type: 'DeleteWebhookEndpoint', data: { now: later } }).then([deleted]);
    spec.given([created, deleted]).when({ type: 'DeleteWebhookEndpoint', data: { now: later } }).then([]);
    spec.given([created, deleted]).when({ type: 'RotateWebhookSecret', data: { secret: 'whsec_x', now } }).thenThrows('webhook_not_found');
    spec.given([]).when({ type: 'UpdateWebhookEndpoint', data: { types: ['user.erased'], now } }).thenThrows('webhook_not_found');
  });
});
