import { loadConfig } from '@accounts/config';
import { createLogger } from '@accounts/privacy';
import { createApp } from './create-app';
import { lifecycle } from './health/draining';

/** How long to keep serving after readiness turned 503, so load balancers notice before the port closes. */
const DRAIN_DELAY_MS = milliseconds(process.env.SHUTDOWN_DELAY_MS, 0);
/** How long in-flight requests, projector batches and connections get to finish; then the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = milliseconds(process.env.SHUTDOWN_TIMEOUT_MS, 10_000);

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'accounts' });
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  logger.info({ host: config.host, port: config.port }, 'accounts service listening');

  // The one shutdown path (create-app installs no signal hooks): readiness 503, keep serving for the drain delay,
  // then app.close() stops accepting, waits for in-flight requests, stops the projectors after their batch (they
  // release their leases) and closes the connections. A second signal does not start a second close.
  let closing: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    if (closing) return;
    lifecycle.draining = true;
    logger.info({ signal, drainDelayMs: DRAIN_DELAY_MS, timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutting down: readiness is 503');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    closing = new Promise<void>((resolve) => setTimeout(resolve, DRAIN_DELAY_MS))
      .then(() => app.close())
      .then(
        () => {
          clearTimeout(deadline);
          logger.info('shut down');
          // Exiting normally is also when `node --cpu-prof` writes its profile.
          process.exitCode = 0;
          logger.flush?.();
          setImmediate(() => process.exit(0));
        },
        (error: unknown) => {
          logger.error({ error: error instanceof Error ? error.name : 'error' }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function milliseconds(value: string | undefined, fallback: number): number {
  const parsed = value === undefined ? NaN : Number(value);
  return Number.isInteger(parsed) && parsed >= 0 ? parsed : fallback;
}

main().catch((error: unknown) => {
  // The error's message is ours (configuration) or a driver's; neither carries request data.
  process.stderr.write(`${JSON.stringify({ level: 60, time: Date.now(), msg: 'failed to start', error: error instanceof Error ? error.message : String(error) })}\n`);
  process.exit(1);
});
