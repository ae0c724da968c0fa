import type { Pool } from 'pg';
import { createEsdbEventStore, type EventStore, PostgresEventStore } from '@accounts/event-store';
import type { AppConfig } from './app-config';

/** EventStoreDB when `EVENTSTORE_URL` is set; the PostgreSQL event store (sharing the service's pool) otherwise. */
export function openEventStore(config: AppConfig, pool: Pool): EventStore {
  return config.eventStoreUrl ? createEsdbEventStore(config.eventStoreUrl) : new PostgresEventStore({ pool });
}
