import { v7 as uuidv7 } from 'uuid';
import { webhookDecider, type WebhookEvent, type WebhookState } from '@accounts/domain';
import type { EventCodec } from '@accounts/event-codec';
import { type EventStore, WrongExpectedRevisionError } from '@accounts/event-store';
import { webhookStream } from '@accounts/streams';

export type KnownEndpoint = Extract<WebhookState, { status: 'enabled' | 'disabled' }>;

const MAX_ATTEMPTS = 8;

/**
 * The delivery process's access to an endpoint's stream: its state with the secrets opened (they sign the
 * deliveries; the read model never holds them), and the one command it issues, DisableWebhookEndpoint.
 */
export class WebhookEndpointStream {
  constructor(
    private readonly eventStore: EventStore,
    private readonly codec: EventCodec,
  ) {}

  async load(webhookId: string): Promise<{ state: WebhookState; revision: bigint | undefined }> {
    const recorded = await this.eventStore.readStream(webhookStream(webhookId));
    const decoded = (await this.codec.decode(recorded)) as unknown as WebhookEvent[];
    return { state: webhookDecider.fold(webhookDecider.initialState(), decoded), revision: recorded.at(-1)?.revision };
  }

  /** Disables the endpoint after its retry window; true if this call recorded it (false: it already was). */
  async disable(webhookId: string, eventId: string, failingSince: Date, now: Date): Promise<boolean> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const { state, revision } = await this.load(webhookId);
      const command = { type: 'DisableWebhookEndpoint' as const, data: { eventId, failingSince: failingSince.toISOString(), now: now.toISOString() } };
      let decided: WebhookEvent[];
      try {
        decided = webhookDecider.decide(command, state);
      } catch {
        return false; // deleted meanwhile: nothing to disable
      }
      if (decided.length === 0) return false;
      const encoded = await Promise.all(decided.map((event) => this.codec.encode(event, uuidv7(), { occurredAt: command.data.now, service: 'webhook-deliveries' })));
      try {
        await this.eventStore.appendToStream(webhookStream(webhookId), encoded, { expectedRevision: revision ?? 'no_stream' });
        return true;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt === MAX_ATTEMPTS) throw error;
      }
    }
    return false;
  }
}
