import { loadConfig } from './app-config';
import { parseRedisUrl } from './redis-url';

describe('REDIS_URL', () => {
  test('one server, as ioredis reads it', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379/2')).toEqual({ kind: 'server', url: 'redis://127.0.0.1:6379/2' });
    expect(parseRedisUrl('rediss://user:secret@cache.internal:6380')).toEqual({ kind: 'server', url: 'rediss://user:secret@cache.internal:6380' });
  });

  test('a cluster: its seed nodes, credentials and TLS', () => {
    expect(parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001, node-3.internal:7002')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: 'node-3.internal', port: 7002 },
      ],
      tls: false,
    });
    expect(parseRedisUrl('rediss+cluster://svc:p%40ss@[::1]:7000/')).toEqual({ kind: 'cluster', nodes: [{ host: '::1', port: 7000 }], username: 'svc', password: 'p@ss', tls: true });
  });

  test('anything else stops the start, naming the variable and never its value', () => {
    for (const url of ['redis://a:1,b:2', 'redis+cluster://a', 'redis+cluster://a:1/3', 'redis+cluster://a:70000', 'http://a:1', 'redis+cluster://']) {
      expect(parseRedisUrl(url)).toBeUndefined();
    }
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://secret-host' })).toThrow('invalid configuration: check REDIS_URL');
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://secret-host' })).not.toThrow(/secret-host/);
  });
});
