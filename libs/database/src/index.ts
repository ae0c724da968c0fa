export { defaultMigrationsDirectory, migrate } from './migrator';
export { inTransaction } from './transaction';
export { isStoreUnavailable, StoreUnavailableError } from './store-unavailable';
export { boundedSessionOptions, IDLE_IN_TRANSACTION_TIMEOUT_MS, LONG_STATEMENT_TIMEOUT_MS, SHORT_STATEMENT_TIMEOUT_MS } from './session-limits';
export { survivesServerLoss } from './pool-errors';
