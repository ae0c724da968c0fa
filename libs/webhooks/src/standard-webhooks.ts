import { createHmac, randomBytes } from 'node:crypto';

/** The Standard Webhooks secret prefix; what follows is the key, base64. */
const SECRET_PREFIX = 'whsec_';

/** A new signing secret: 32 random bytes, `whsec_<base64>`. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('not a webhook secret');
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

/**
 * The headers of one delivery (standardwebhooks.com): `webhook-id` (the integration event's id, the same for every
 * retry, so receivers deduplicate), `webhook-timestamp` (seconds), and `webhook-signature`: `v1,<base64 HMAC-SHA256>`
 * of `id.timestamp.body` under each secret, space-separated (two during a rotation's overlap).
 */
export function signWebhook(secrets: readonly string[], id: string, timestampSeconds: number, body: string): Record<string, string> {
  const content = `${id}.${timestampSeconds}.${body}`;
  const signatures = secrets.map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(content).digest('base64')}`);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signatures.join(' ') };
}
