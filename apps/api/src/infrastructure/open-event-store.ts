import type { Pool } from 'pg';
import { type EventStore, PostgresEventStore } from '../../../../libs/event-store/src';
import type { AppConfig } from '../config/app-config';

/** EventStoreDB when `EVENTSTORE_URL` is set; the PostgreSQL event store (sharing the service's pool) otherwise. */
export function openEventStore(config: AppConfig, pool: Pool): EventStore {
  if (config.eventStoreUrl) {
    throw new Error('EVENTSTORE_URL is set, but this build has no EventStoreDB adapter yet; unset it to use PostgreSQL');
  }
  return new PostgresEventStore({ pool });
}
