import { Controller, Header } from '@nestjs/common';
import { z } from 'zod';
import { newWebhookSecret } from '@accounts/webhooks';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { Envelope, respond } from '../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { RerunOnRepeat } from '../../idempotency/idempotency.interceptor';
import { WebhookHandler } from '../webhook-handler';
import { WebhookTargets } from '../webhook-targets';
import { WebhookResponse, webhookView } from '../webhook-views';

/**
 * `POST /v1/webhooks`: the secret is in this answer and nowhere else, so the answer is never stored for repeats
 * (`RerunOnRepeat`): a repeat is recognised by its derived event id and answered from the endpoint's stream.
 */
export const CreateWebhookRoute = defineRoute({
  id: 'createWebhook',
  summary: 'Create a webhook endpoint; its signing secret is shown once',
  method: 'POST',
  path: '/v1/webhooks',
  scope: 'webhooks',
  command: true,
  // Shapes only: the decider checks the URL, the types and the description, and names the field that broke a rule.
  body: z.strictObject({ url: z.string().max(4096), types: z.array(z.string().max(100)).max(50), description: z.string().max(4096).optional() }),
  responses: { 201: WebhookResponse.extend({ secret: z.string() }) },
  errors: ['webhook_target_refused'],
});

@Controller()
export class CreateWebhookHttpController {
  constructor(
    private readonly webhooks: WebhookHandler,
    private readonly targets: WebhookTargets,
  ) {}

  @Route(CreateWebhookRoute)
  @RerunOnRepeat()
  @Header('cache-control', 'no-store')
  async create(@Input() { body }: RouteInput<typeof CreateWebhookRoute>, @Envelope() envelope: CommandEnvelope) {
    const webhookId = envelope.newId('webhook');
    const facts = await this.targets.factsFor(body.url);
    const description = body.description !== undefined ? { description: body.description } : {};
    const outcome = await this.webhooks.handleExisting(
      webhookId,
      { type: 'CreateWebhookEndpoint', data: { webhookId, url: body.url, types: body.types, ...description, secret: newWebhookSecret(), now: envelope.now, ...facts } },
      envelope,
    );
    return respond({ ...webhookView(outcome.state), secret: outcome.state.secret }, outcome);
  }
}
