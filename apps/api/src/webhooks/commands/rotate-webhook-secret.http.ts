import { Controller, Header } from '@nestjs/common';
import { z } from 'zod';
import { newWebhookSecret } from '@accounts/webhooks';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { Envelope, respond } from '../../commands/command-route';
import { defineRoute, Input, Route, type RouteInput } from '../../contract/route-contract';
import { PathId } from '../../http/ids';
import { RerunOnRepeat } from '../../idempotency/idempotency.interceptor';
import { WebhookHandler } from '../webhook-handler';

/** `POST /v1/webhooks/{id}/rotate-secret`: for 24 h deliveries carry signatures by the new and the old secret. */
export const RotateWebhookSecretRoute = defineRoute({
  id: 'rotateWebhookSecret',
  summary: 'Rotate the signing secret (shown once); the old one also signs for 24 h',
  method: 'POST',
  path: '/v1/webhooks/:id/rotate-secret',
  scope: 'webhooks',
  command: true,
  params: { id: PathId },
  responses: { 200: z.object({ secret: z.string() }) },
  errors: ['webhook_not_found'],
});

@Controller()
export class RotateWebhookSecretHttpController {
  constructor(private readonly webhooks: WebhookHandler) {}

  @Route(RotateWebhookSecretRoute)
  @RerunOnRepeat()
  @Header('cache-control', 'no-store')
  async rotate(@Input() { params: { id } }: RouteInput<typeof RotateWebhookSecretRoute>, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.webhooks.handleExisting(id, { type: 'RotateWebhookSecret', data: { secret: newWebhookSecret(), now: envelope.now } }, envelope);
    return respond({ secret: outcome.state.secret }, outcome);
  }
}
