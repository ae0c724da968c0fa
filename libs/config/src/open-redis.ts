import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl } from './redis-url';

/** A connection to Redis, whether one server (or one reached through Sentinel or a proxy) or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

export interface OpenRedisOptions {
  /**
   * How long a command may wait for an answer before it fails (a server that stopped answering without closing the
   * connection). Unset: no limit, for the projectors' long scripts.
   */
  commandTimeoutMs?: number;
  /** Reconnection attempts a command waits through before it fails; a caller then answers 503 at once. */
  maxRetriesPerRequest?: number;
  /** Connect on first use instead of at once (the CLI, which may not need Redis at all). */
  lazyConnect?: boolean;
  /** Told each connection error; by default they are swallowed (callers see them as failed commands). */
  onError?(error: Error): void;
}

/**
 * The one place where the service connects to Redis: the API, the projectors and the CLI all open their connection
 * here, so each of them works with a single server and with a cluster alike.
 *
 * Connection errors get a listener, so that an outage never prints ioredis's raw "Unhandled error event" lines:
 * the callers see the failed commands and answer 503, and readiness reports Redis down.
 */
export function openRedis(url: string, options: OpenRedisOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  if (!target) throw new Error('REDIS_URL is neither redis://… nor redis+cluster://host:port,…');
  const common: RedisOptions = {
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 2,
    ...(options.commandTimeoutMs !== undefined ? { commandTimeout: options.commandTimeoutMs } : {}),
    ...(options.lazyConnect ? { lazyConnect: true } : {}),
  };
  const client: RedisClient =
    target.kind === 'server'
      ? new Redis(target.url, common)
      : new Cluster(target.nodes, {
          ...(options.lazyConnect ? { lazyConnect: true } : {}),
          redisOptions: {
            ...common,
            ...(target.username ? { username: target.username } : {}),
            ...(target.password ? { password: target.password } : {}),
            ...(target.tls ? { tls: {} } : {}),
          },
          // A failover moves a master's slots to its replica within a few seconds: retry briefly, and learn the
          // new layout soon (a failed node triggers a refresh too), so commands fail for the failover's span only.
          retryDelayOnFailover: 100,
          retryDelayOnClusterDown: 100,
          retryDelayOnTryAgain: 100,
          slotsRefreshInterval: 1_000,
          slotsRefreshTimeout: 1_000,
          clusterRetryStrategy: (times) => Math.min(100 * times, 2_000),
        });
  client.on('error', (error: Error) => options.onError?.(error));
  if (client instanceof Cluster) client.on('node error', (error: Error) => options.onError?.(error));
  return client;
}

/** The servers that hold data: each master of a cluster, or the one server. For commands without keys (SCAN). */
export function redisMasters(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}
