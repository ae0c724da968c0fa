import { Controller, Delete, Param } from '@nestjs/common';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../commands/command-route';
import { IdPipe } from '../../http/ids';
import { Documented } from '../../openapi/documented.decorator';
import { WebhookHandler } from '../webhook-handler';

/** `DELETE /v1/webhooks/{id}`: deliveries stop within a tick of the delivery process. */
@Controller('v1/webhooks')
export class DeleteWebhookHttpController {
  constructor(private readonly webhooks: WebhookHandler) {}

  @CommandRoute(Delete(':id'), 204, 'webhooks')
  @Documented({ summary: 'Delete a webhook endpoint', errors: ['webhook_not_found'] })
  async remove(@Param('id', IdPipe) id: string, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.webhooks.handle(id, { type: 'DeleteWebhookEndpoint', data: { now: envelope.now } }, envelope);
    return respond(undefined, outcome);
  }
}
