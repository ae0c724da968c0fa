import { DEFAULT_RETRY_POLICY, nextAttemptAt, retryDelayMs } from './retry-schedule';

describe('webhook retry schedule', () => {
  test('delays grow with each failure, up to the cap, jittered by at most a quarter either way', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, DEFAULT_RETRY_POLICY, middle))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(retryDelayMs(30, DEFAULT_RETRY_POLICY, middle)).toBe(DEFAULT_RETRY_POLICY.maxDelayMs);
    expect(retryDelayMs(1, DEFAULT_RETRY_POLICY, () => 0)).toBe(3_750);
    expect(retryDelayMs(1, DEFAULT_RETRY_POLICY, () => 0.999999)).toBeLessThanOrEqual(6_250);
  });

  test('an endpoint failing for 24 hours gets its last attempt inside the window, then none', () => {
    const since = 0;
    let now = since;
    let attempts = 0;
    for (let next = nextAttemptAt(since, now, 1, DEFAULT_RETRY_POLICY, () => 0.5); next !== undefined; attempts++) {
      now = next;
      next = nextAttemptAt(since, now, attempts + 2, DEFAULT_RETRY_POLICY, () => 0.5);
    }
    expect(now).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.windowMs);
    expect(now).toBeGreaterThan(DEFAULT_RETRY_POLICY.windowMs - DEFAULT_RETRY_POLICY.maxDelayMs * 1.25);
    expect(attempts).toBeGreaterThan(20);
  });
});
