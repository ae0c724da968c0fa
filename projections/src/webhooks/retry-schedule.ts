/** How a failing delivery is retried: growing, jittered delays, for a bounded window. */
export interface RetryPolicy {
  /** The delay after the first failure; each further one doubles it, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long an event may keep failing before its endpoint is disabled (API.md: 24 hours). */
  windowMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 5_000, maxDelayMs: 60 * 60_000, windowMs: 24 * 60 * 60_000 };

/**
 * The wait after failed attempt `attempt` (1-based): base·2^(attempt−1), capped, times a jitter of 0.75–1.25 so
 * endpoints that failed together (a receiver's outage) do not all come back at the same instant. Pure.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const grown = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(grown * (0.75 + 0.5 * random()));
}

/** The next attempt's time, or undefined when it would fall outside the window that began with the first failure. */
export function nextAttemptAt(failingSinceMs: number, nowMs: number, attempt: number, policy: RetryPolicy, random?: () => number): number | undefined {
  const next = nowMs + retryDelayMs(attempt, policy, random);
  return next - failingSinceMs > policy.windowMs ? undefined : next;
}
