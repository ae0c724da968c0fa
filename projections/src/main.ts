import { Pool } from 'pg';
import { loadConfig, openEventStore, openRedis } from '../../libs/config/src';
import { migrate } from '../../libs/database/src';
import { EventCodec } from '../../libs/event-codec/src';
import { createLogger, DataKeyStore, FieldSealer, loadMasterKey } from '../../libs/privacy/src';
import { ProjectionsHost } from './projections-host';
import { ProjectedEventDecoder } from './runtime/projected-event-decoder';

/**
 * The projectors as a process of their own (production runs the API with RUN_PROJECTORS=false and this beside it).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'projections' });
  const masterKey = loadMasterKey({ ...(config.production ? { NODE_ENV: 'production' } : {}), ...(config.masterKey ? { MASTER_KEY: config.masterKey } : {}) });
  await migrate(config.databaseUrl);
  const pool = new Pool({ connectionString: config.databaseUrl, max: 10, application_name: 'accounts-projections' });
  pool.on('error', () => undefined);
  const redis = openRedis(config.redisUrl);
  const eventStore = openEventStore(config, pool);
  const host = new ProjectionsHost({
    pool,
    redis,
    eventStore,
    decoder: new ProjectedEventDecoder(new EventCodec(new FieldSealer(new DataKeyStore(pool, masterKey)))),
    sessionIdleSeconds: config.sessionIdleSeconds,
    ...(config.openSearchUrl ? { openSearchUrl: config.openSearchUrl } : {}),
    onError: (projection, error) => logger.error({ projection, error: error instanceof Error ? error.name : 'error' }, 'projection batch failed; retrying'),
    onEvent: (projection, event, details) => logger.info({ projection, ...details }, event),
  });
  await host.start();
  const statuses = host.statuses();
  logger.info(
    { leading: statuses.filter((status) => status.leader).map((status) => status.name), standby: statuses.filter((status) => !status.leader).map((status) => status.name) },
    'projections started: leading ones have caught up; the others wait for their lease',
  );

  const shutdown = async () => {
    await host.stop();
    await eventStore.close();
    await pool.end();
    redis.disconnect();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((error: unknown) => {
  process.stderr.write(`projections failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
