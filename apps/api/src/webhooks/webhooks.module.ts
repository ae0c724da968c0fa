import { Module } from '@nestjs/common';
import { ProjectionsModule } from '../projections/projections.module';
import { CreateWebhookHttpController } from './commands/create-webhook.http';
import { DeleteWebhookHttpController } from './commands/delete-webhook.http';
import { ReplayWebhookHttpController } from './commands/replay-webhook.http';
import { RotateWebhookSecretHttpController } from './commands/rotate-webhook-secret.http';
import { UpdateWebhookHttpController } from './commands/update-webhook.http';
import { WebhookHandler } from './webhook-handler';
import { WebhookQueriesHttpController } from './webhook-queries.http';
import { WebhookTargets } from './webhook-targets';

@Module({
  imports: [ProjectionsModule],
  // /openapi.json lists routes in the order Nest registers them: keep this order.
  controllers: [
    CreateWebhookHttpController,
    WebhookQueriesHttpController,
    UpdateWebhookHttpController,
    DeleteWebhookHttpController,
    RotateWebhookSecretHttpController,
    ReplayWebhookHttpController,
  ],
  providers: [WebhookHandler, WebhookTargets],
})
export class WebhooksModule {}
