import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { migrate } from '@accounts/database';
import { createLogger } from '@accounts/privacy';
import { AppModule } from './app.module';
import { Metrics } from './metrics/metrics';
import type { AppConfig } from '@accounts/config';
import { registerPlainRoutes } from './contract/plain-route';
import { registerConsoleHttp } from './console/console-http';
import { registerCorrelationIds } from './http/correlation';
import { enforceInputLimits } from './http/input-limits';
import { requireJsonBodies } from './http/json-only';
import { nestLogger, registerRequestLogging } from './http/request-logging';
import { MAX_UPLOAD_BYTES } from './files/upload-rules';
import { ServiceKeys } from './auth/service-keys';
import { REDIS } from './infrastructure/tokens';
import { registerRequestBudgets } from './throttling/request-budgets';

/**
 * Builds the HTTP application (used by `main.ts` and by the tests, which call `inject` or listen on port 0).
 */
export interface AppOptions {
  /** Where logs go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
}

export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createLogger({ level: config.logLevel, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  // Migrations are idempotent and serialised by an advisory lock, so every process may run them at start.
  await migrate(config.databaseUrl);
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => randomUUID(),
    // Fastify's own logger stays off: requests are logged by our redacting logger.
    logger: false,
    trustProxy: config.production ? 'loopback, linklocal, uniquelocal' : true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forConfig(config), adapter, {
    logger: config.logLevel === 'silent' ? false : nestLogger(logger),
    abortOnError: false,
  });
  registerCorrelationIds(app.getHttpAdapter().getInstance());
  registerRequestBudgets(app.getHttpAdapter().getInstance(), app.get(REDIS), app.get(ServiceKeys));
  registerRequestLogging(app.getHttpAdapter().getInstance(), logger, app.get(Metrics));
  if (masterKeyIsDevelopment(config)) logger.warn('MASTER_KEY is not set: using the development key; never do this in production');
  requireJsonBodies(app.getHttpAdapter().getInstance());
  enforceInputLimits(app.getHttpAdapter().getInstance());
  registerConsoleHttp(app.getHttpAdapter().getInstance());
  // Image bodies, for the local object store's signed upload URLs only (every /v1 route refuses non-JSON first).
  app.getHttpAdapter().getInstance().addContentTypeParser(/^image\//, { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES }, (_request, body, done) => done(null, body));
  registerPlainRoutes(app.getHttpAdapter().getInstance(), app);
  // No enableShutdownHooks(): main.ts owns the signals and the one shutdown path (drain, then close).
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

function masterKeyIsDevelopment(config: AppConfig): boolean {
  return !config.masterKey;
}
