import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { loadConfig } from '../../api/src/config/app-config';
import { openEventStore } from '../../api/src/infrastructure/open-event-store';
import { ConsistencyGate } from '../../../projections/src/consistency/consistency-gate';
import { ProjectionStatusReader } from '../../../projections/src/ops/projection-status';

/** The connections a CLI command needs, from the same environment variables as the service. */
export function openCliInfrastructure() {
  const config = loadConfig();
  const pool = new Pool({ connectionString: config.databaseUrl, max: 2, application_name: 'accounts-cli' });
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const eventStore = openEventStore(config, pool);
  const gate = new ConsistencyGate(pool, redis);
  const status = new ProjectionStatusReader(pool, eventStore).withExternal('sessions', () => gate.checkpoint('sessions'));
  return {
    status,
    async close() {
      await eventStore.close();
      await pool.end();
      redis.disconnect();
    },
  };
}
