export { defaultMigrationsDirectory, migrate } from './migrator';
