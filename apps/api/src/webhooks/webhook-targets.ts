import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '@accounts/config';
import type { WebhookTargetFacts } from '@accounts/domain';
import { resolveWebhookTarget } from '@accounts/webhooks';
import { APP_CONFIG } from '../infrastructure/tokens';

/** The facts the decider needs about a URL: where its host resolves (every address checked), and what is allowed. */
@Injectable()
export class WebhookTargets {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async factsFor(url: string): Promise<WebhookTargetFacts> {
    const allowPrivate = this.config.webhookAllowPrivate;
    return { target: (await resolveWebhookTarget(url, allowPrivate)).check, allowPrivate };
  }
}
