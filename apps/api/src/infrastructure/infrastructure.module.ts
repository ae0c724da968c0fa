import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import type { EventStore } from '@accounts/event-store';
import { type AppConfig, openEventStore, openRedis, type RedisClient } from '@accounts/config';
import { READINESS_CHECKS, type ReadinessCheck } from '../health/readiness-check';
import { loadMasterKey } from '@accounts/privacy';
import { writeSideProviders } from './write-side.providers';
import { projectionsReadiness } from '../health/projections-readiness';
import { boundedSessionOptions, SHORT_STATEMENT_TIMEOUT_MS, survivesServerLoss } from '@accounts/database';
import { createPool as createSlonikPool, type DatabasePool } from 'slonik';
import { APP_CONFIG, EVENT_STORE, IDEMPOTENCY_POOL, MASTER_KEY, OBJECT_STORAGE, PG_POOL, READ_MODEL_DB, REDIS } from './tokens';
import { createObjectStorage } from '../files/object-storage.factory';
import { UploadRecords } from '../files/upload-records';
import type { MasterKey } from '@accounts/privacy';

/**
 * The service's connections, made once per process from the configuration, and closed on shutdown.
 */
@Global()
@Module({})
export class InfrastructureModule implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(READ_MODEL_DB) private readonly readModel: DatabasePool,
    @Inject(IDEMPOTENCY_POOL) private readonly idempotencyPool: Pool,
  ) {}

  static forConfig(config: AppConfig): DynamicModule {
    const providers = writeSideProviders(loadMasterKey(config.production ? { NODE_ENV: 'production', MASTER_KEY: config.masterKey } : { MASTER_KEY: config.masterKey }));
    return {
      module: InfrastructureModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        {
          provide: PG_POOL,
          useFactory: () => {
            const pool = new Pool({ connectionString: config.databaseUrl, max: 20, application_name: 'accounts-api', options: boundedSessionOptions() });
            survivesServerLoss(pool); // a broken connection fails its query; the next one reconnects
            return pool;
          },
        },
        {
          provide: IDEMPOTENCY_POOL,
          useFactory: () => {
            const pool = new Pool({ connectionString: config.databaseUrl, max: 10, application_name: 'accounts-api-idempotency', options: `-c synchronous_commit=off ${boundedSessionOptions({ statementTimeoutMs: SHORT_STATEMENT_TIMEOUT_MS })}` });
            survivesServerLoss(pool);
            return pool;
          },
        },
        {
          provide: REDIS,
          // A command fails after two reconnection attempts or 2 s without an answer: the caller answers 503, not a hang.
          useFactory: () => openRedis(config.redisUrl, { maxRetriesPerRequest: 2, commandTimeoutMs: 2_000 }),
        },
        { provide: EVENT_STORE, useFactory: (pool: Pool) => openEventStore(config, pool), inject: [PG_POOL] },
        { provide: READ_MODEL_DB, useFactory: () => createSlonikPool(config.databaseUrl, { maximumPoolSize: 10 }) },
        {
          provide: READINESS_CHECKS,
          inject: [EVENT_STORE, PG_POOL, REDIS],
          useFactory: (eventStore: EventStore, pool: Pool, redis: RedisClient): ReadinessCheck[] => [
            { name: 'eventStore', check: async () => void (await eventStore.headPosition()) },
            { name: 'postgres', check: async () => void (await pool.query('select 1')) },
            { name: 'redis', check: async () => void (await redis.ping()) },
            projectionsReadiness(pool, eventStore),
          ],
        },
        { provide: OBJECT_STORAGE, inject: [MASTER_KEY], useFactory: (masterKey: MasterKey) => createObjectStorage(config, masterKey) },
        UploadRecords,
        ...providers,
      ],
      exports: [APP_CONFIG, PG_POOL, IDEMPOTENCY_POOL, OBJECT_STORAGE, UploadRecords, REDIS, EVENT_STORE, READ_MODEL_DB, READINESS_CHECKS, ...providers.map((provider) => (provider as { provide: string | symbol | (abstract new (...args: never[]) => unknown) }).provide)],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.eventStore.close(), this.pool.end(), this.idempotencyPool.end(), this.redis.quit(), this.readModel.end()]);
  }
}
