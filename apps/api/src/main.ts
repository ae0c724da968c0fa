import { loadConfig } from '../../../libs/config/src';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  process.stdout.write(`accounts service listening on http://${config.host}:${config.port}\n`);
  // Finish in-flight requests, stop the projectors after their batch, close connections; then exit normally (which
  // is also when `node --cpu-prof` writes its profile).
  const shutdown = () => void app.close().finally(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  // The error's message is ours (configuration) or a driver's; neither carries request data.
  process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
