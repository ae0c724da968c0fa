import { formatPosition } from '@accounts/event-store';
import { aggregateIdOf } from '../runtime/projected-event';
import type { TableProjection } from '../read-model/table-projection';

/** One endpoint as callers see it (never its secret) and as the deliveries find it (status, where they start). */
export interface WebhookEndpointRow {
  id: string;
  url: string;
  types: string[];
  description: string | null;
  status: 'enabled' | 'disabled';
  /** Where its deliveries begin: the events after its creation (`<commit>-<prepare>`). */
  created_position: string;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
  /** Bumped with every change, so the delivery process knows to read the endpoint's stream again. */
  revision: number;
}

type WebhookTableEvent = 'WebhookEndpointCreated' | 'WebhookEndpointUpdated' | 'WebhookSecretRotated' | 'WebhookEndpointDisabled' | 'WebhookEndpointDeleted';

/** `webhook_endpoints`: one row per endpoint that is not deleted. */
export const webhookEndpointsProjection: TableProjection<WebhookEndpointRow, WebhookTableEvent> = {
  canHandle: ['WebhookEndpointCreated', 'WebhookEndpointUpdated', 'WebhookSecretRotated', 'WebhookEndpointDisabled', 'WebhookEndpointDeleted'],
  keyOf: aggregateIdOf,
  evolve(row, event) {
    if (event.type === 'WebhookEndpointCreated') {
      if (row) return row;
      const { url, types, description, createdAt } = event.data;
      return {
        id: aggregateIdOf(event),
        url,
        types,
        description: description ?? null,
        status: 'enabled',
        created_position: formatPosition(event.position),
        created_at: createdAt,
        updated_at: createdAt,
        disabled_at: null,
        revision: 0,
      };
    }
    if (!row) return undefined;
    const revision = row.revision + 1;
    switch (event.type) {
      case 'WebhookEndpointUpdated': {
        const { url, types, description, enabled, updatedAt } = event.data;
        return { ...row, url, types, description: description ?? null, status: enabled ? 'enabled' : 'disabled', disabled_at: enabled ? null : row.disabled_at, updated_at: updatedAt, revision };
      }
      case 'WebhookSecretRotated':
        return { ...row, updated_at: event.data.rotatedAt, revision };
      case 'WebhookEndpointDisabled':
        return { ...row, status: 'disabled', disabled_at: event.data.disabledAt, updated_at: event.data.disabledAt, revision };
      case 'WebhookEndpointDeleted':
        return undefined;
    }
  },
};
