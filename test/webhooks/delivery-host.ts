import type { Pool } from 'pg';
import type { RedisClient } from '@accounts/config';
import { EventCodec } from '@accounts/event-codec';
import { FieldSealer } from '@accounts/privacy';
import type { EventStore, RecordedEvent } from '@accounts/event-store';
import { toIntegrationEvents, type IntegrationEvent } from '@accounts/integration-events';
import { EVENT_STORE, PG_POOL, REDIS } from '../../apps/api/src/infrastructure/tokens';
import { ProjectionsHost } from '@accounts/projections/projections-host';
import { ProjectedEventDecoder } from '@accounts/projections/runtime/projected-event-decoder';
import type { WebhookDeliveriesConfig } from '@accounts/projections/webhooks/webhook-deliveries';
import type { TestApp } from '../support/app';

/**
 * The projections, webhook deliveries included, run in the test beside an app started with RUN_PROJECTORS=false: so
 * a test chooses the deliveries' clock and retry policy. It shares the app's connections, as `npm start` does.
 */
export async function startProjections(app: TestApp, webhooks: WebhookDeliveriesConfig): Promise<ProjectionsHost> {
  const codec = app.app.get(EventCodec);
  const host = new ProjectionsHost({
    pool: app.app.get<Pool>(PG_POOL),
    redis: app.app.get<RedisClient>(REDIS),
    eventStore: app.app.get<EventStore>(EVENT_STORE),
    decoder: new ProjectedEventDecoder(codec),
    codec,
    sealer: app.app.get(FieldSealer),
    sessionIdleSeconds: 1800,
    tickMs: 50,
    runner: { retryDelayMs: 50 },
    webhooks: { pollMs: 50, ...webhooks },
  });
  await host.start();
  return host;
}

/** The integration events the store's events publish, in $all's order: what each endpoint must receive. */
export async function publishedEvents(app: TestApp): Promise<IntegrationEvent[]> {
  const codec = app.app.get(EventCodec);
  const events: RecordedEvent[] = await app.allEvents();
  let decoded = await codec.decodeEach(events, { keepSecrets: true });
  // Data keys that could not be read just now (a busy shared PostgreSQL) make an event undecodable: read again.
  for (let attempt = 0; attempt < 50 && decoded.some((outcome) => outcome.kind === 'undecodable'); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    decoded = await codec.decodeEach(events, { keepSecrets: true });
  }
  return decoded.flatMap((outcome) =>
    outcome.kind === 'domain' ? toIntegrationEvents(outcome.event, { id: outcome.recorded.id, occurredAt: outcome.recorded.metadata.occurredAt }) : [],
  );
}
