import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { StandardSchemaValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { migrate } from '../../../libs/database/src';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { registerCorrelationIds } from './http/correlation';
import { validationProblem } from './http/validation-problem';

/**
 * Builds the HTTP application (used by `main.ts` and by the tests, which call `inject` or listen on port 0).
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
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
    logger: config.logLevel === 'silent' ? false : ['error', 'warn'],
    abortOnError: false,
  });
  registerCorrelationIds(app.getHttpAdapter().getInstance());
  app.useGlobalPipes(new StandardSchemaValidationPipe({ exceptionFactory: validationProblem }));
  app.enableShutdownHooks();
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
