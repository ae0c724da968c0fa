import { Injectable } from '@nestjs/common';
import { type WebhookCommand, webhookDecider, type WebhookState } from '@accounts/domain';
import { webhookStream } from '@accounts/streams';
import { AggregateStore } from '@accounts/aggregates';
import type { CommandEnvelope } from '../commands/command-envelope';
import { type Handled, handled } from '../commands/handled';

export type ExistingWebhook = Extract<WebhookState, { status: 'enabled' | 'disabled' }>;

/**
 * Every command on a webhook endpoint's stream: load, decide, append with the expected revision. Endpoints belong to
 * the calling services (scope `webhooks`), not to an end user, so no actor is needed; the rules are the decider's.
 */
@Injectable()
export class WebhookHandler {
  constructor(private readonly aggregates: AggregateStore) {}

  async handle(webhookId: string, command: WebhookCommand, envelope: CommandEnvelope): Promise<Handled<WebhookState>> {
    return handled(await this.aggregates.execute(webhookStream(webhookId), webhookDecider, command, envelope.forAggregates()));
  }

  /** The same, for commands that leave the endpoint in place (all but deletion). */
  async handleExisting(webhookId: string, command: WebhookCommand, envelope: CommandEnvelope): Promise<Handled<ExistingWebhook>> {
    const outcome = await this.handle(webhookId, command, envelope);
    if (outcome.state.status !== 'enabled' && outcome.state.status !== 'disabled') throw new Error('webhook command left no endpoint');
    return { ...outcome, state: outcome.state };
  }
}
