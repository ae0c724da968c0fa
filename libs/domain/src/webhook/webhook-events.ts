/**
 * A webhook endpoint's history: where events go, which ones, and the secret they are signed with. The secret is
 * sealed with the endpoint's data key (personal-data.ts) and opened only by the write side and the delivery process.
 */
export type WebhookEvent =
  | {
      type: 'WebhookEndpointCreated';
      data: { webhookId: string; url: string; types: string[]; description?: string; secret: string; createdAt: string };
    }
  | { type: 'WebhookEndpointUpdated'; data: { webhookId: string; url: string; types: string[]; description?: string; enabled: boolean; updatedAt: string } }
  | {
      type: 'WebhookSecretRotated';
      /** Deliveries are signed with the previous secret as well until `previousSecretExpiresAt`. */
      data: { webhookId: string; secret: string; previousSecretExpiresAt: string; rotatedAt: string };
    }
  | {
      type: 'WebhookEndpointDisabled';
      /** Disabled by the delivery process: `eventId` (an integration event's id) failed for the whole retry window. */
      data: { webhookId: string; reason: 'retry_window_exhausted'; eventId: string; failingSince: string; disabledAt: string };
    }
  | { type: 'WebhookEndpointDeleted'; data: { webhookId: string; deletedAt: string } };

export type WebhookEventType = WebhookEvent['type'];
