import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse as InjectResponse } from 'fastify';
import { loadConfig, openRedis, redisMasters, type AppConfig, type RedisClient } from '@accounts/config';
import { createApp } from '../../apps/api/src/create-app';
import { EVENT_STORE } from '../../apps/api/src/infrastructure/tokens';
import type { EventStore, RecordedEvent } from '@accounts/event-store';
import { type EsdbDouble, startEsdbDouble } from '../esdb-double/esdb-double';
import { createTestDatabase, type TestDatabase } from './postgres';
import { DocumentCheck } from './openapi-check';
import { testRedisUrl } from './redis';
import { visibleEvents } from './event-head';

/** The development key (README): every scope but `audit:pii`, and `users:manage`. */
export const DEV_KEY = 'dev-local-key';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  database: TestDatabase;
  redis: RedisClient;
  /** Log lines written by the app (only when created with `captureLogs`). */
  logs: string[];
  /** The EventStoreDB double, when created with `eventStore: 'esdb'`: a test may change its conditions. */
  esdb: EsdbDouble | undefined;
  /** Every event in the store, through the app's own event store (either adapter), as stored: sealed fields sealed. */
  allEvents(): Promise<RecordedEvent[]>;
  request(method: string, url: string, options?: { body?: unknown; headers?: Record<string, string>; key?: string | null }): Promise<TestResponse>;
  /**
   * A request exactly as given (no key, no Idempotency-Key, nothing added), as a caller that is not a service sends
   * it (a signed file URL): its response is held to the document as `request`'s are.
   */
  inject(options: InjectOptions & { method: string; url: string }): Promise<InjectResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read whatever the route returned
  text: string;
}

let idempotencyCounter = 0;
let mailDirCounter = 0;
const ALL_EVENTS_LIMIT = 1_000_000;

/** The client IP every test request comes from. */
/**
 * Sends a read that waits on X-Consistent-With again while it answers 504 `projection_lagging`, as a caller would: on
 * this shared machine a projection may lag past the gate's 5 s wait. Any other answer is returned as it is.
 */
export async function retryWhileLagging(send: () => Promise<TestResponse>, attempts = 6): Promise<TestResponse> {
  for (let attempt = 1; ; attempt++) {
    const response = await send();
    if (response.status !== 504 || attempt >= attempts) return response;
  }
}

export const TEST_CLIENT_IP = '203.0.113.77';

/**
 * Two apps on one database (and, with EventStoreDB, one server): two processes of the service as far as the stores can
 * tell, sharing nothing in memory. They share the Redis database too.
 */
export async function createTwoProcesses(options: { redisDb: number; redisUrl?: string; eventStore: 'postgres' | 'esdb'; env?: Record<string, string> }): Promise<[TestApp, TestApp]> {
  const first = await createTestApp({ redisDb: options.redisDb, redisUrl: options.redisUrl, eventStore: options.eventStore, env: options.env });
  const second = await createTestApp({
    redisDb: options.redisDb,
    redisUrl: options.redisUrl,
    shareDatabaseWith: first,
    eventStore: 'postgres',
    env: { ...options.env, ...(options.eventStore === 'esdb' ? { EVENTSTORE_URL: first.config.eventStoreUrl! } : {}) },
  });
  return [first, second];
}

/**
 * The whole service on a fresh database and a Redis database of its own, driven in-process through Fastify's
 * `inject` (real HTTP parsing, routing, validation, filters; no socket).
 */
export async function createTestApp(options: {
  redisDb: number;
  /** A Redis of the test's own (test/support/private-redis.ts) instead of database `redisDb` of the shared one. */
  redisUrl?: string | undefined;
  env?: Record<string, string>;
  shareDatabaseWith?: TestApp;
  /** A database made elsewhere (on a private cluster a fault test may kill); the caller drops it. */
  database?: TestDatabase;
  captureLogs?: boolean;
  /** 'esdb': events go to an in-process EventStoreDB double instead of PostgreSQL. */
  eventStore?: 'postgres' | 'esdb';
}): Promise<TestApp> {
  const esdb = options.eventStore === 'esdb' ? await startEsdbDouble() : undefined;
  // A second app on the same database stands for a second process: it shares the stores, not the in-process state.
  const shared = options.shareDatabaseWith?.database;
  const given = shared ?? options.database;
  const database = given ? { ...given, drop: async () => undefined } : await createTestDatabase('api');
  const redisUrl = options.redisUrl ?? testRedisUrl(options.redisDb);
  const redis = openRedis(redisUrl);
  // Every master's database, so that a cluster starts empty as well.
  await Promise.all(redisMasters(redis).map((node) => node.flushdb()));
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    LOG_LEVEL: options.captureLogs ? 'debug' : 'silent',
    // Mail goes to a directory of the test's own (not the repository's var/mail) unless the test sets SMTP_URL.
    MAIL_DIR: join(tmpdir(), `accounts-mail-${process.pid}-${++mailDirCounter}`),
    ...(esdb ? { EVENTSTORE_URL: esdb.connectionString } : {}),
    ...options.env,
  });
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const app = await createApp(config, options.captureLogs ? { logDestination } : {});
  const fastify = app.getHttpAdapter().getInstance();
  let documentCheck: DocumentCheck | undefined;
  // Every response a suite sees is held to the document, so the document cannot drift from what the service does.
  const inject = async (options: InjectOptions & { method: string; url: string }) => {
    const response = await fastify.inject(options);
    documentCheck ??= new DocumentCheck(JSON.parse((await fastify.inject({ method: 'GET', url: '/openapi.json' })).body));
    const mismatch = documentCheck.mismatch(options.method, options.url, { status: response.statusCode, headers: response.headers, text: response.body });
    if (mismatch) throw new Error(`The response does not match /openapi.json: ${mismatch}`);
    return response;
  };
  return {
    app,
    config,
    database,
    redis,
    logs,
    esdb,
    async allEvents() {
      // Right after a write, another transaction can still hide it from $all (test/support/event-head.ts).
      return esdb ? app.get<EventStore>(EVENT_STORE).readAll({ maxCount: ALL_EVENTS_LIMIT }) : visibleEvents(app.get<EventStore>(EVENT_STORE), database.pool, ALL_EVENTS_LIMIT);
    },
    inject,
    async request(method, url, { body, headers = {}, key = DEV_KEY } = {}) {
      const isCommand = method !== 'GET';
      const response = await inject({
        method,
        url,
        // An end user's address, as a proxy in front of the service would forward it: personal data.
        remoteAddress: TEST_CLIENT_IP,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(isCommand ? { 'idempotency-key': `test-${process.pid}-${++idempotencyCounter}` } : {}),
          ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = response.body;
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: response.statusCode, headers: response.headers, body: parsed, text };
    },
    async close() {
      await app.close();
      await redis.quit();
      await database.drop();
      await esdb?.stop();
    },
  };
}

/** The event stores every HTTP suite runs against. */
export const EVENT_STORES = ['postgres', 'esdb'] as const;
