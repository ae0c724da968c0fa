/** Where `REDIS_URL` points: one server (ioredis reads the URL itself), or the seed nodes of a cluster. */
export type RedisTarget =
  | { kind: 'server'; url: string }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean };

/**
 * `redis[s]+cluster://[user:password@]host:port[,host:port…]`: the seed nodes of a cluster (any few of its nodes;
 * the client discovers the rest). A cluster has only database 0, so no other database may be named.
 */
const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]+?)(?:\/0?)?$/;
const NODE = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const SERVER_URL = /^rediss?:\/\/[^,]+$/;

/** Reads `REDIS_URL`; undefined when it is neither form (the message names the variable, never its value). */
export function parseRedisUrl(url: string): RedisTarget | undefined {
  if (SERVER_URL.test(url)) return { kind: 'server', url };
  const match = CLUSTER_URL.exec(url);
  if (!match) return undefined;
  const [, scheme, username, password, list] = match;
  const nodes: { host: string; port: number }[] = [];
  for (const entry of list!.split(',')) {
    const node = NODE.exec(entry.trim());
    if (!node || Number(node[2]) < 1 || Number(node[2]) > 65535) return undefined;
    nodes.push({ host: node[1]!.replace(/^\[|\]$/g, ''), port: Number(node[2]) });
  }
  return {
    kind: 'cluster',
    nodes,
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
    tls: scheme === 'rediss',
  };
}
