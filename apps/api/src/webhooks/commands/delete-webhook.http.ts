import { Controller } from '@nestjs/common';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { Envelope, respond } from '../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { PathId } from '../../http/ids';
import { WebhookHandler } from '../webhook-handler';

/** `DELETE /v1/webhooks/{id}`: deliveries stop within a tick of the delivery process. */
export const DeleteWebhookRoute = defineRoute({
  id: 'deleteWebhook',
  summary: 'Delete a webhook endpoint',
  method: 'DELETE',
  path: '/v1/webhooks/:id',
  scope: 'webhooks',
  command: true,
  params: { id: PathId },
  responses: { 204: null },
  errors: ['webhook_not_found'],
});

@Controller()
export class DeleteWebhookHttpController {
  constructor(private readonly webhooks: WebhookHandler) {}

  @Route(DeleteWebhookRoute)
  async remove(@Input() { params: { id } }: RouteInput<typeof DeleteWebhookRoute>, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.webhooks.handle(id, { type: 'DeleteWebhookEndpoint', data: { now: envelope.now } }, envelope);
    return respond(undefined, outcome);
  }
}
