import { z } from 'zod';
import type { ExistingWebhook } from './webhook-handler';

export const WebhookResponse = z.object({
  id: z.uuid(),
  url: z.string(),
  types: z.array(z.string()),
  description: z.string().nullable(),
  status: z.enum(['enabled', 'disabled']),
});

/** An endpoint as responses show it: never its secret (shown once, by creation and rotation). */
export function webhookView(state: ExistingWebhook): z.infer<typeof WebhookResponse> {
  return { id: state.webhookId, url: state.url, types: [...state.types], description: state.description ?? null, status: state.status };
}
