import { Controller, Header, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { newWebhookSecret } from '../../../../../libs/webhooks/src';
import type { CommandEnvelope } from '../../commands/command-envelope';
import { CommandRoute, Envelope, respond } from '../../commands/command-route';
import { IdPipe } from '../../http/ids';
import { RerunOnRepeat } from '../../idempotency/idempotency.interceptor';
import { Documented } from '../../openapi/documented.decorator';
import { WebhookHandler } from '../webhook-handler';

const RotateSecretResponse = z.object({ secret: z.string() });

/** `POST /v1/webhooks/{id}/rotate-secret`: for 24 h deliveries carry signatures by the new and the old secret. */
@Controller('v1/webhooks')
export class RotateWebhookSecretHttpController {
  constructor(private readonly webhooks: WebhookHandler) {}

  @CommandRoute(Post(':id/rotate-secret'), 200, 'webhooks')
  @RerunOnRepeat()
  @Header('cache-control', 'no-store')
  @Documented({ summary: 'Rotate the signing secret (shown once); the old one also signs for 24 h', response: RotateSecretResponse, errors: ['webhook_not_found'] })
  async rotate(@Param('id', IdPipe) id: string, @Envelope() envelope: CommandEnvelope) {
    const outcome = await this.webhooks.handleExisting(id, { type: 'RotateWebhookSecret', data: { secret: newWebhookSecret(), now: envelope.now } }, envelope);
    return respond({ secret: outcome.state.secret }, outcome);
  }
}
