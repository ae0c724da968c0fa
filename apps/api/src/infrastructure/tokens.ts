/** Injection tokens for the service's connections, so handlers depend on ports, not on how they are made. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const PG_POOL = Symbol('PG_POOL');
/**
 * Connections whose commits do not wait for the WAL flush (synchronous_commit=off): for idempotency records only.
 * Losing the last few hundred milliseconds of them in a database crash is harmless, because a repeated command derives
 * the same event ids and the event store recognises the repeat; the events themselves are always committed durably.
 */
export const IDEMPOTENCY_POOL = Symbol('IDEMPOTENCY_POOL');
export const REDIS = Symbol('REDIS');
export const MASTER_KEY = Symbol('MASTER_KEY');
/** Slonik pool: typed read-model queries (rows checked against zod schemas). */
export const READ_MODEL_DB = Symbol('READ_MODEL_DB');
/** Where uploaded files are stored (libs/object-storage): S3/MinIO or a local directory. */
export const OBJECT_STORAGE = Symbol('OBJECT_STORAGE');
