/** Injection tokens for the service's connections, so handlers depend on ports, not on how they are made. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const PG_POOL = Symbol('PG_POOL');
export const REDIS = Symbol('REDIS');
export const MASTER_KEY = Symbol('MASTER_KEY');
/** Slonik pool: typed read-model queries (rows checked against zod schemas). */
export const READ_MODEL_DB = Symbol('READ_MODEL_DB');
