import { Pool } from 'pg';
import { loadConfig, openEventStore } from '@accounts/config';
import { ProjectionOperations } from '@accounts/projections/ops/projection-operations';
import { ProjectionStatusReader } from '@accounts/projections/ops/projection-status';

/** The connections a CLI command needs, from the same environment variables as the service. */
export function openCliInfrastructure() {
  const config = loadConfig();
  const pool = new Pool({ connectionString: config.databaseUrl, max: 2, application_name: 'accounts-cli' });
  const eventStore = openEventStore(config, pool);
  const status = new ProjectionStatusReader(pool, eventStore);
  return {
    status,
    operations: new ProjectionOperations(pool),
    async close() {
      await eventStore.close();
      await pool.end();
    },
  };
}
