import { createHash } from 'node:crypto';
import { DEVELOPMENT_SERVICE_KEYS } from '@accounts/config';
import { THROTTLE_RULES } from '../../apps/api/src/throttling/attempt-throttle';
import { createTwoProcesses, TEST_CLIENT_IP, type TestApp } from '../support/app';
import { dropTemplate } from '../support/postgres';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const FRONTEND_KEY = 'frontend-key-that-tells-client-ips';
const PLAIN_KEY = 'plain-sessions-key';
const SMALL_KEY = 'a-key-with-a-small-budget';
const PASSWORD = 'correct horse battery';

/**
 * Login throttling (API.md, "Who may act, and how much"): per address, the same whether or not it has an account, and
 * per client IP; in Redis, so two API processes share the count.
 */
describe('login throttling across two API processes', () => {
  jest.setTimeout(120_000);
  let redis: PrivateRedis;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    [first, second] = await createTwoProcesses({
      redisDb: 0,
      redisUrl: redis.url,
      eventStore: 'postgres',
      env: { SERVICE_KEYS: [DEVELOPMENT_SERVICE_KEYS, `frontend:${sha256(FRONTEND_KEY)}:sessions:client-ip`, `plain:${sha256(PLAIN_KEY)}:sessions`, `small:${sha256(SMALL_KEY)}:queries+ops:3/s`].join(',') },
    });
    await first.request('POST', '/v1/users', { body: { email: 'ada@example.com', password: PASSWORD } });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await redis?.destroy();
    await dropTemplate();
  });

  const logIn = (app: TestApp, email: string, password: string, headers: Record<string, string> = {}, key?: string) =>
    app.request('POST', '/v1/sessions', { body: { email, password }, headers, ...(key ? { key } : {}) });

  test.each([
    ['an address with an account', 'ada@example.com'],
    ['an address without one', 'nobody@example.com'],
  ])('after 5 failures for %s, 429 too_many_attempts with Retry-After, from either process', async (_case, email) => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await logIn(i % 2 ? second : first, email, 'wrong password!')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);

    for (const app of [first, second]) {
      // Even the right password is refused while the address is locked: the lock says nothing about the password.
      const refused = await logIn(app, email, PASSWORD);
      expect(refused.status).toBe(429);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.body.code).toBe('too_many_attempts');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(THROTTLE_RULES.firstLockMs / 1000);
      expect(refused.text).not.toContain(email);
    }
    // Another address from the same client is not locked.
    expect((await logIn(first, `other-${email}`, 'wrong password!')).status).toBe(401);
  });

  test('the wait grows with every failure after the lock', async () => {
    const email = 'grows@example.com';
    for (let i = 0; i < 5; i++) await logIn(first, email, 'wrong password!');
    const waits: number[] = [];
    for (let round = 0; round < 3; round++) {
      const refused = await logIn(second, email, 'wrong password!');
      expect(refused.status).toBe(429);
      waits.push(Number(refused.headers['retry-after']));
      await pretendEveryLockPassed();
      expect((await logIn(first, email, 'wrong password!')).status).toBe(401);
    }
    expect(waits[1]).toBeGreaterThan(waits[0]!);
    expect(waits[2]).toBeGreaterThan(waits[1]!);
  });

  test('a success clears the address’s count', async () => {
    await first.request('POST', '/v1/users', { body: { email: 'grace@example.com', password: PASSWORD } });
    for (let i = 0; i < 4; i++) expect((await logIn(first, 'grace@example.com', 'wrong password!')).status).toBe(401);
    expect((await logIn(second, 'Grace@Example.com', PASSWORD)).status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await logIn(first, 'grace@example.com', 'wrong password!')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect((await logIn(first, 'grace@example.com', PASSWORD)).status).toBe(429);
  });

  test('twenty guesses sent at once, half to each process: at most 5 are checked, the rest are 429', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => logIn(i % 2 ? second : first, 'ada.concurrent@example.com', `wrong password ${i}`)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });

  test('per client IP: a key configured to send X-Client-Ip gets each end user counted apart; other keys cannot spread one', async () => {
    const ip = '198.51.100.23';
    for (let i = 0; i < THROTTLE_RULES.ipLimit; i++) {
      const response = await logIn(i % 2 ? second : first, `spray-${i}@example.com`, 'wrong password!', { 'x-client-ip': ip }, FRONTEND_KEY);
      expect(response.status).toBe(401);
    }
    // A fresh address from that IP is refused; the same fresh address from another end user's IP is not.
    expect((await logIn(first, 'fresh@example.com', 'wrong password!', { 'x-client-ip': ip }, FRONTEND_KEY)).body.code).toBe('too_many_attempts');
    expect((await logIn(first, 'fresh@example.com', 'wrong password!', { 'x-client-ip': '198.51.100.24' }, FRONTEND_KEY)).status).toBe(401);

    // From a key configured to send it, an X-Client-Ip that is not an IP is refused, not silently replaced.
    const malformed = await logIn(first, 'fresh@example.com', 'wrong password!', { 'x-client-ip': 'ada@example.com' }, FRONTEND_KEY);
    expect([malformed.status, malformed.body.code, malformed.text.includes('ada@')]).toEqual([422, 'validation_failed', false]);

    // A key not configured for it sends a made-up address each time: they are ignored, every attempt counts against
    // the connection's address, which is locked within as many failures (earlier tests already spent some).
    const codes: string[] = [];
    for (let i = 0; i <= THROTTLE_RULES.ipLimit; i++) {
      codes.push((await logIn(first, `spread-${i}@example.com`, 'wrong password!', { 'x-client-ip': `192.0.2.${i % 250}` }, PLAIN_KEY)).body.code);
    }
    expect(codes.at(-1)).toBe('too_many_attempts');
    expect(new Set(codes)).toEqual(new Set(['invalid_credentials', 'too_many_attempts']));
  });

  test('no address or IP is ever part of a Redis key', async () => {
    const keys = await first.redis.keys('*');
    expect(keys.some((key) => key.startsWith('throttle:{login}:address:'))).toBe(true);
    for (const key of keys) {
      expect(key).not.toMatch(/@|example|198\.51|192\.0|203\.0/);
      expect(key).not.toContain(TEST_CLIENT_IP);
    }
  });

  test('per-key budgets, shared by both processes: RateLimit headers on every response, then 429 rate_limited with Retry-After', async () => {
    const started = Date.now();
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? second : first).request('GET', '/v1/search/users?q=ada', { key: SMALL_KEY })));
    const windows = Math.ceil((Date.now() - started) / 1000) + 1;
    const answered = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status === 429);
    expect(answered.length + refused.length).toBe(12);
    expect(answered.length).toBeGreaterThanOrEqual(1);
    expect(answered.length).toBeLessThanOrEqual(3 * windows); // 3 a second across both processes, not 3 each
    expect(refused.length).toBeGreaterThan(0);
    for (const response of responses) {
      expect(response.headers['ratelimit-policy']).toBe('"per-key";q=3;w=1');
      expect(response.headers['ratelimit']).toMatch(/^"per-key";r=\d+;t=\d+$/);
    }
    expect(refused[0]!.body.code).toBe('rate_limited');
    expect(refused[0]!.headers['content-type']).toContain('application/problem+json');
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    // Health and metrics are exempt even while the key is over its budget; another key has a budget of its own.
    expect((await first.request('GET', '/metrics', { key: SMALL_KEY })).status).toBe(200);
    const health = await second.request('GET', '/health/live', { key: SMALL_KEY });
    expect([health.status, health.headers['ratelimit']]).toEqual([200, undefined]);
    const other = await first.request('GET', '/v1/search/users?q=ada');
    expect([other.status, other.headers['ratelimit-policy']]).toEqual([200, '"per-key";q=100000;w=1']);

    // The budget comes back with the next window.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await second.request('GET', '/v1/search/users?q=ada', { key: SMALL_KEY })).status).toBe(200);
    expect((await first.redis.keys('budget:*')).every((key) => !key.includes(SMALL_KEY))).toBe(true);
  });

  /** Moves each locked address's last failure back by its lock, as if the wait had passed (Redis's clock is not ours to move). */
  async function pretendEveryLockPassed(): Promise<void> {
    for (const key of await first.redis.keys('throttle:{login}:address:*')) {
      const [count, last] = await first.redis.hmget(key, 'count', 'last');
      if (Number(count) < THROTTLE_RULES.addressLimit) continue;
      const lock = Math.min(THROTTLE_RULES.firstLockMs * 2 ** (Number(count) - THROTTLE_RULES.addressLimit), THROTTLE_RULES.longestLockMs);
      await first.redis.hset(key, 'last', String(Number(last) - lock - 1));
    }
  }
});
