export { defaultMigrationsDirectory, migrate } from './migrator';
export { inTransaction } from './transaction';
export { isStoreUnavailable, StoreUnavailableError } from './store-unavailable';
