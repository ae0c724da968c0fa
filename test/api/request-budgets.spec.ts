import { Redis } from 'ioredis';
import { BudgetLedger, shareSize } from '../../apps/api/src/throttling/budget-ledger';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';

/**
 * Request budgets counted in batches (API.md, "Who may act, and how much"): what the API processes admit together in
 * one window never exceeds the budget, the stated tolerance (at most a share and a half unused per other process) holds,
 * and the requests cost far fewer Redis round trips than one each. Two ledgers on one real Redis are two processes.
 */
describe('request budgets counted in shares', () => {
  jest.setTimeout(60_000);
  let redis: PrivateRedis;
  let clients: Redis[];

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  beforeEach(async () => {
    clients = [new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null }), new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null })];
    await clients[0]!.flushdb();
    await clients[0]!.config('RESETSTAT');
  });
  afterEach(async () => {
    await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
  });
  afterAll(async () => {
    await redis?.destroy();
  });

  /** The Redis script calls made so far (EVALSHA and EVAL), from Redis's own statistics. */
  async function scriptCalls(): Promise<number> {
    const stats = await clients[0]!.info('commandstats');
    return [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((n, match) => n + Number(match[1]), 0);
  }

  test('two processes together admit at most the budget in a window, and nearly all of it, in a few round trips', async () => {
    const budget = 5_000;
    // A window long enough that every request below lands in the first one, however busy the machine.
    const ledgers = clients.map((client) => new BudgetLedger(client, { windowMs: 60_000, prefix: 'budget:' }));
    const answers = await Promise.all(Array.from({ length: 2 * budget }, (_, i) => ledgers[i % 2]!.take('svc', budget)));
    const admitted = answers.filter((answer) => answer.allowed).length;
    expect(admitted).toBeLessThanOrEqual(budget);
    expect(admitted).toBeGreaterThanOrEqual(budget - 1.5 * shareSize(budget));
    expect(answers.every((answer) => answer.limit === budget && answer.resetMs > 0 && answer.resetMs <= 60_000)).toBe(true);
    expect(answers.filter((answer) => !answer.allowed).every((answer) => answer.remaining === 0)).toBe(true);
    // One round trip a request was 10,000; shares of 50 make it a few hundred at most.
    expect(await scriptCalls()).toBeLessThanOrEqual(300);
  });

  test('a small budget is exact across processes: shares of one request, never taken ahead', async () => {
    const ledgers = clients.map((client) => new BudgetLedger(client, { windowMs: 60_000, prefix: 'budget:' }));
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => ledgers[i % 2]!.take('small', 3)));
    expect(answers.filter((answer) => answer.allowed)).toHaveLength(3);
    expect(Number(await clients[0]!.get('budget:small'))).toBe(3);
  });

  test('the budget comes back with the next window, on Redis\'s clock', async () => {
    const ledger = new BudgetLedger(clients[0]!, { windowMs: 300, prefix: 'budget:' });
    expect((await ledger.take('svc', 1)).allowed).toBe(true);
    expect((await ledger.take('svc', 1)).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await ledger.take('svc', 1)).allowed).toBe(true);
  });

  test('when Redis cannot be asked and nothing is in hand, the take fails (the API answers 503), never admits', async () => {
    const ledger = new BudgetLedger(clients[0]!, { windowMs: 60_000, prefix: 'budget:' });
    await redis.kill();
    try {
      await expect(ledger.take('svc', 10)).rejects.toThrow();
    } finally {
      await redis.start();
    }
  });
});
