import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { AppConfig, RedisClient } from '@accounts/config';
import { EventCodec } from '@accounts/event-codec';
import { FieldSealer } from '@accounts/privacy';
import type { EventStore } from '@accounts/event-store';
import { ConsistencyGate } from '@accounts/projections/consistency/consistency-gate';
import { ProjectionsHost } from '@accounts/projections/projections-host';
import { ProjectedEventDecoder } from '@accounts/projections/runtime/projected-event-decoder';
import { createSearchBackend, type SearchBackend } from '@accounts/projections/search/search-backend';
import { SessionReader } from '@accounts/projections/sessions/session-reader';
import { EmailedTokens } from '@accounts/privacy';
import { openMailTransport } from '@accounts/projections/mail/mail-transport';
import { APP_CONFIG, EVENT_STORE, PG_POOL, REDIS } from '../infrastructure/tokens';

export const SEARCH_BACKEND = Symbol('SEARCH_BACKEND');

/**
 * Runs the projectors in this process when `RUN_PROJECTORS` is true (the default for `npm start`), and gives queries
 * what they read: the session reader, the search reader and the consistency gate.
 */
@Injectable()
export class ProjectionsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('projections');
  host: ProjectionsHost | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly codec: EventCodec,
    private readonly sealer: FieldSealer,
    private readonly tokens: EmailedTokens,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runProjectors) return;
    this.host = new ProjectionsHost({
      pool: this.pool,
      redis: this.redis,
      eventStore: this.eventStore,
      decoder: new ProjectedEventDecoder(this.codec),
      codec: this.codec,
      sealer: this.sealer,
      invitationRetentionDays: this.config.invitationRetentionDays,
      sessionIdleSeconds: this.config.sessionIdleSeconds,
      mail: { transport: openMailTransport(this.config.mail), tokens: this.tokens, from: this.config.mail.from, linkBase: this.config.mail.linkBase },
      webhooks: { allowPrivate: this.config.webhookAllowPrivate, onDisabled: (endpoint) => this.logger.warn(`webhook endpoint ${endpoint} disabled after its retry window`) },
      ...(this.config.openSearchUrl ? { openSearchUrl: this.config.openSearchUrl } : {}),
      onError: (projection, error) => this.logger.error(`projection ${projection} failed a batch (${error instanceof Error ? error.name : 'error'}); retrying`),
      onEvent: (projection, event, details) => this.logger.log(`projection ${projection}: ${event}${details ? ` ${JSON.stringify(details)}` : ''}`),
    });
    // Not awaited: a long catch-up must not keep the API from answering; queries that need a position wait for it
    // with X-Consistent-With, and readiness reports a lagging projection.
    this.host.start().catch((error: unknown) => this.logger.error(`projections failed to start (${error instanceof Error ? `${error.name}: ${error.message}` : 'error'})`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.host?.stop();
  }
}

@Module({
  providers: [
    ProjectionsLifecycle,
    {
      provide: ConsistencyGate,
      inject: [PG_POOL, REDIS],
      useFactory: (pool: Pool, redis: RedisClient) => new ConsistencyGate(pool, redis),
    },
    {
      provide: SessionReader,
      inject: [REDIS, APP_CONFIG],
      useFactory: (redis: RedisClient, config: AppConfig) => new SessionReader(redis, config.sessionIdleSeconds),
    },
    {
      provide: SEARCH_BACKEND,
      inject: [PG_POOL, APP_CONFIG],
      useFactory: (pool: Pool, config: AppConfig): SearchBackend => createSearchBackend({ pool, ...(config.openSearchUrl ? { openSearchUrl: config.openSearchUrl } : {}) }),
    },
  ],
  exports: [ProjectionsLifecycle, ConsistencyGate, SessionReader, SEARCH_BACKEND],
})
export class ProjectionsModule {}
