export { defaultMigrationsDirectory, migrate } from './migrator';
export { inTransaction } from './transaction';
