import { randomUUID } from 'node:crypto';
import { eventStream } from '../testing/projected-events';
import { projectionSpecification } from '../testing/projection-specification';
import { webhookEndpointsProjection } from './webhook-endpoints.projection';

const spec = projectionSpecification(webhookEndpointsProjection);
const t0 = '2026-12-01T10:00:00.000Z';
const t1 = '2026-12-01T11:00:00.000Z';

function endpoint() {
  const webhookId = randomUUID();
  const stream = eventStream(`webhook-${webhookId}`);
  const created = stream.event('WebhookEndpointCreated', { webhookId, url: 'https://hooks.example.com/a', types: ['user.registered'], secret: 'enc:v1:sealed', createdAt: t0 });
  return { webhookId, stream, created };
}

describe('webhook endpoints projection', () => {
  test('a creation makes an enabled row that holds no secret', () => {
    const hook = endpoint();
    spec.given().when(hook.created).then([
      expect.objectContaining({ id: hook.webhookId, url: 'https://hooks.example.com/a', types: ['user.registered'], status: 'enabled', revision: 0, description: null }),
    ]);
    spec.given().when(hook.created).then([expect.not.objectContaining({ secret: expect.anything() })]);
  });

  test('an update, a rotation and a disabling each bump the revision; a deletion removes the row', () => {
    const hook = endpoint();
    const { webhookId } = hook;
    const updated = hook.stream.event('WebhookEndpointUpdated', { webhookId, url: 'https://hooks.example.com/b', types: ['user.erased'], enabled: true, updatedAt: t1 });
    const rotated = hook.stream.event('WebhookSecretRotated', { webhookId, secret: 'enc:v1:other', previousSecretExpiresAt: t1, rotatedAt: t1 });
    const disabled = hook.stream.event('WebhookEndpointDisabled', { webhookId, reason: 'retry_window_exhausted', eventId: randomUUID(), failingSince: t0, disabledAt: t1 });
    spec.given([hook.created]).when(updated, rotated, disabled).then([
      expect.objectContaining({ url: 'https://hooks.example.com/b', types: ['user.erased'], status: 'disabled', disabled_at: t1, revision: 3 }),
    ]);
    spec.given([hook.created]).when(hook.stream.event('WebhookEndpointDeleted', { webhookId, deletedAt: t1 })).then([]);
  });
});
