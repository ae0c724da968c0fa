import { Controller } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { Envelope, respond } from '../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { PathId } from '../../http/ids';
import { WebhookHandler } from '../webhook-handler';
import { WebhookTargets } from '../webhook-targets';
import { WebhookResponse, webhookView } from '../webhook-views';

const UpdateWebhookRequest = z.strictObject({
  url: z.string().max(4096).optional(),
  types: z.array(z.string().max(100)).max(50).optional(),
  description: z.string().max(4096).optional(),
  /** `true` enables an endpoint disabled after its retry window: delivery resumes with the event that failed. */
  enabled: z.boolean().optional(),
});

/** `PATCH /v1/webhooks/{id}`: what is given changes; a new URL is checked as at creation. */
export const UpdateWebhookRoute = defineRoute({
  id: 'updateWebhook',
  summary: 'Change a webhook endpoint (URL, types, description, enabled)',
  method: 'PATCH',
  path: '/v1/webhooks/:id',
  scope: 'webhooks',
  command: true,
  params: { id: PathId },
  body: UpdateWebhookRequest,
  responses: { 200: WebhookResponse },
  errors: ['webhook_not_found', 'webhook_target_refused'],
});

@Controller()
export class UpdateWebhookHttpController {
  constructor(
    private readonly webhooks: WebhookHandler,
    private readonly targets: WebhookTargets,
  ) {}

  @Route(UpdateWebhookRoute)
  async update(@Input() { params: { id }, body }: RouteInput<typeof UpdateWebhookRoute>, @Envelope() envelope: CommandEnvelope) {
    const facts = body.url !== undefined ? await this.targets.factsFor(body.url) : {};
    const outcome = await this.webhooks.handleExisting(id, { type: 'UpdateWebhookEndpoint', data: { ...body, ...facts, now: envelope.now } }, envelope);
    return respond(webhookView(outcome.state), outcome);
  }
}
