export * from './event-store.port';
export * from './position';
export * from './filter';
export * from './errors';
export * from './claimed-append';
export { isConnectionError } from './postgres/error-mapping';
export { PostgresEventStore, createPostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store';
export { EsdbEventStore, createEsdbEventStore } from './esdb/esdb-event-store';
