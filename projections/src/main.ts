import { Pool } from 'pg';
import { loadConfig, openEventStore, openRedis } from '@accounts/config';
import { boundedSessionOptions, migrate, survivesServerLoss } from '@accounts/database';
import { EventCodec } from '@accounts/event-codec';
import { createLogger, DataKeyStore, EmailedTokens, FieldSealer, loadMasterKey } from '@accounts/privacy';
import { openMailTransport } from './mail/mail-transport';
import { ProjectionsHost } from './projections-host';
import { ProjectedEventDecoder } from './runtime/projected-event-decoder';

/** How long the projectors get to finish their batch and release their leases on SIGTERM. */
const SHUTDOWN_TIMEOUT_MS = Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10_000) || 10_000;

/**
 * The projectors as a process of their own (production runs the API with RUN_PROJECTORS=false and this beside it).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'projections' });
  const masterKey = loadMasterKey({ ...(config.production ? { NODE_ENV: 'production' } : {}), ...(config.masterKey ? { MASTER_KEY: config.masterKey } : {}) });
  await migrate(config.databaseUrl);
  const pool = new Pool({ connectionString: config.databaseUrl, max: 10, application_name: 'accounts-projections', options: boundedSessionOptions() });
  survivesServerLoss(pool);
  const redis = openRedis(config.redisUrl);
  const eventStore = openEventStore(config, pool);
  // Listening for destroyed keys: an erasure in any process evicts the key from this one's cache at once.
  const keys = new DataKeyStore(pool, masterKey);
  await keys.listenForDestroyedKeys();
  const sealer = new FieldSealer(keys);
  const codec = new EventCodec(sealer);
  const host = new ProjectionsHost({
    pool,
    redis,
    eventStore,
    decoder: new ProjectedEventDecoder(codec),
    codec,
    sealer,
    invitationRetentionDays: config.invitationRetentionDays,
    sessionIdleSeconds: config.sessionIdleSeconds,
    mail: { transport: openMailTransport(config.mail), tokens: new EmailedTokens(masterKey), from: config.mail.from, linkBase: config.mail.linkBase, ...mailTuning() },
    ...(config.openSearchUrl ? { openSearchUrl: config.openSearchUrl } : {}),
    onError: (projection, error) => logger.error({ projection, error: error instanceof Error ? error.name : 'error' }, 'projection batch failed; retrying'),
    onEvent: (projection, event, details) => logger.info({ projection, ...details }, event),
    webhooks: { allowPrivate: config.webhookAllowPrivate, onDisabled: (endpoint) => logger.warn({ endpoint }, 'webhook endpoint disabled after its retry window') },
  });
  await host.start();
  const statuses = host.statuses();
  logger.info(
    { leading: statuses.filter((status) => status.leader).map((status) => status.name), standby: statuses.filter((status) => !status.leader).map((status) => status.name) },
    'projections started: leading ones have caught up; the others wait for their lease',
  );

  // One shutdown path: each projector finishes its batch and releases its lease (another process takes over within
  // a tick), then the connections close. A second signal does not start a second stop; a stop that hangs is cut off.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'stopping projections');
    setTimeout(() => {
      logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'projections did not stop in time; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    void (async () => {
      await host.stop();
      await keys.close();
      await eventStore.close();
      await pool.end();
      redis.disconnect();
      logger.info('projections stopped');
      process.exit(0);
    })().catch((error: unknown) => {
      logger.error({ error: error instanceof Error ? error.name : 'error' }, 'projections failed to stop cleanly');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** MAIL_BACKOFF_MS / MAIL_TICK_MS: for tests that watch retries (undocumented: the defaults suit production). */
function mailTuning(): { backoffMs?: number; tickMs?: number } {
  const backoffMs = Number(process.env.MAIL_BACKOFF_MS);
  const tickMs = Number(process.env.MAIL_TICK_MS);
  return { ...(backoffMs > 0 ? { backoffMs } : {}), ...(tickMs > 0 ? { tickMs } : {}) };
}

main().catch((error: unknown) => {
  process.stderr.write(`projections failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
