import type { RedisClient } from '@accounts/config';
import { runScript } from '@accounts/projections/sessions/session-scripts';

/**
 * Takes up to ARGV[2] requests of a key's budget for the current window, atomically, on Redis's clock.
 * KEYS[1]: the service's budget key. ARGV: the budget (requests a window), how many to take, the window in ms.
 * The window starts with the first take after the last one ended (the key's TTL is the time left in it).
 * Returns {taken, used in the window so far (this take included), ms left in the window}. One key: Cluster-safe.
 */
export const TAKE_BUDGET = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
  redis.call('SET', KEYS[1], 0, 'PX', ARGV[3])
  ttl = tonumber(ARGV[3])
end
local used = tonumber(redis.call('GET', KEYS[1]))
local taken = math.min(tonumber(ARGV[2]), math.max(0, tonumber(ARGV[1]) - used))
if taken > 0 then used = redis.call('INCRBY', KEYS[1], taken) end
return {taken, used, ttl}
`;

export interface BudgetAnswer {
  allowed: boolean;
  /** The budget per window. */
  limit: number;
  /** Requests left in this window, as far as this process knows (its own share in hand and what Redis had left). */
  remaining: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
}

/** One key's share of its current window, in this process. */
interface Share {
  endsAt: number;
  /** Requests taken from Redis and not used yet: this process may admit them without asking. */
  inHand: number;
  /** The window's count in Redis at the last take (every process's takes). */
  usedInRedis: number;
  /** Redis had nothing left to give in this window: refuse until it ends, without asking again. */
  exhausted: boolean;
  /** A take in flight; requests that find nothing in hand wait for it rather than sending their own. */
  taking: Promise<void> | undefined;
}

/**
 * Request budgets counted in Redis in batches rather than one round trip per request. Each process takes a share of
 * a key's window from Redis (a hundredth of the budget, at least one request), admits requests from it locally, and
 * takes the next share when half of the one in hand is used (shares of one request are never taken ahead), so a request waits for Redis only when its process has
 * nothing in hand (the first request of a window, or a budget so small that a share is one request).
 *
 * Tolerance: Redis never hands out more than the budget, so all processes together never admit more than the budget
 * in a window. What a process holds unused when the window ends is lost: another process may be refused while this
 * one still holds up to a share and a half, i.e. the budget seen by a busy process can be short by about 1.5% of it
 * for each other process that uses the same key. A budget under 100/s has shares of one request: exact, as before.
 */
export class BudgetLedger {
  private readonly shares = new Map<string, Share>();

  constructor(
    private readonly redis: RedisClient,
    private readonly options: { windowMs: number; prefix: string; now?: () => number },
  ) {}

  /** Counts one request of `service` against its budget of `limit` a window. Throws when Redis cannot be asked. */
  async take(service: string, limit: number): Promise<BudgetAnswer> {
    for (;;) {
      const answer = this.takeInHand(service, limit);
      if (answer) return answer;
      const share = this.current(service);
      await (share.taking ?? this.refill(service, share, limit));
      if (this.shares.get(service) !== share) continue; // the window ended meanwhile
      if (share.inHand === 0 && share.exhausted) return { allowed: false, limit, remaining: 0, resetMs: Math.max(0, share.endsAt - this.now()) };
    }
  }

  /**
   * `take` answered from this process's share alone, synchronously: undefined when Redis must be asked first (nothing
   * in hand and the window not known to be exhausted). Nearly every request is answered here, so the budget hook
   * need not make a promise for it.
   */
  takeInHand(service: string, limit: number): BudgetAnswer | undefined {
    const share = this.current(service);
    const now = this.now();
    if (share.inHand > 0) {
      share.inHand--;
      if (shareSize(limit) > 1 && share.inHand < shareSize(limit) / 2 && !share.taking && !share.exhausted) {
        // Ahead of need: a failure here is noticed by the request that next finds nothing in hand.
        void this.refill(service, share, limit).catch(() => undefined);
      }
      return { allowed: true, limit, remaining: Math.max(0, limit - share.usedInRedis) + share.inHand, resetMs: share.endsAt - now };
    }
    if (share.exhausted) return { allowed: false, limit, remaining: 0, resetMs: share.endsAt - now };
    return undefined;
  }

  private current(service: string): Share {
    const share = this.shares.get(service);
    if (share && this.now() < share.endsAt) return share;
    // Unknown or over: a share of a window that has not started yet (the first take starts it in Redis).
    const fresh: Share = { endsAt: Number.POSITIVE_INFINITY, inHand: 0, usedInRedis: 0, exhausted: false, taking: undefined };
    this.shares.set(service, fresh);
    return fresh;
  }

  private refill(service: string, share: Share, limit: number): Promise<void> {
    const taking = (async () => {
      try {
        const asked = this.now();
        const [taken, used, ttl] = (await runScript(this.redis, TAKE_BUDGET, [`${this.options.prefix}${service}`], [String(limit), String(shareSize(limit)), String(this.options.windowMs)])) as [number, number, number];
        // A share from a window that ended while the take was on its way belongs to nobody: drop it.
        if (this.shares.get(service) !== share) return;
        share.endsAt = asked + ttl;
        share.inHand += taken;
        share.usedInRedis = used;
        share.exhausted = taken === 0;
      } finally {
        share.taking = undefined;
      }
    })();
    share.taking = taking;
    return taking;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** A hundredth of the budget, at least one request: round trips fall a hundredfold, the tolerance stays small. */
export function shareSize(limit: number): number {
  return Math.max(1, Math.floor(limit / 100));
}
