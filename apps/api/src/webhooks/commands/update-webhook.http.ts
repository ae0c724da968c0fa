import { Body, Controller, Param, Patch } from '@nestjs/common';
import { z } from 'zod';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../commands/command-route';
import { IdPipe } from '../../http/ids';
import { Documented } from '../../openapi/documented.decorator';
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
@Controller('v1/webhooks')
export class UpdateWebhookHttpController {
  constructor(
    private readonly webhooks: WebhookHandler,
    private readonly targets: WebhookTargets,
  ) {}

  @CommandRoute(Patch(':id'), 200, 'webhooks')
  @Documented({ summary: 'Change a webhook endpoint (URL, types, description, enabled)', body: UpdateWebhookRequest, response: WebhookResponse, errors: ['webhook_not_found', 'webhook_target_refused'] })
  async update(@Param('id', IdPipe) id: string, @Body({ schema: UpdateWebhookRequest }) body: z.infer<typeof UpdateWebhookRequest>, @Envelope() envelope: CommandEnvelope) {
    const facts = body.url !== undefined ? await this.targets.factsFor(body.url) : {};
    const outcome = await this.webhooks.handleExisting(id, { type: 'UpdateWebhookEndpoint', data: { ...body, ...facts, now: envelope.now } }, envelope);
    return respond(webhookView(outcome.state), outcome);
  }
}
