/**
 * What the callers (and the delivery process) ask of an endpoint. The handler gathers the facts: the new id, the
 * secret it generated, and what the URL's host resolves to (`target`), since the decider does no I/O.
 */
export type WebhookTargetCheck =
  /** Every address the host resolved to is public (or private targets are allowed). */
  | { verdict: 'allowed' }
  /** An address is private, loopback, link-local, unique-local or multicast. */
  | { verdict: 'private' }
  /** The host did not resolve. */
  | { verdict: 'unresolvable' };

export interface WebhookTargetFacts {
  target: WebhookTargetCheck;
  /** `WEBHOOK_ALLOW_PRIVATE=true`: plain http and private targets are allowed (tests, single-host setups). */
  allowPrivate: boolean;
}

export type WebhookCommand =
  | {
      type: 'CreateWebhookEndpoint';
      data: { webhookId: string; url: string; types: string[]; description?: string; secret: string; now: string } & WebhookTargetFacts;
    }
  | {
      type: 'UpdateWebhookEndpoint';
      /** Only what is given changes; `target` is checked when `url` is given. */
      data: { url?: string; types?: string[]; description?: string; enabled?: boolean; now: string } & Partial<WebhookTargetFacts>;
    }
  | { type: 'RotateWebhookSecret'; data: { secret: string; now: string } }
  | { type: 'DisableWebhookEndpoint'; data: { eventId: string; failingSince: string; now: string } }
  | { type: 'DeleteWebhookEndpoint'; data: { now: string } };
