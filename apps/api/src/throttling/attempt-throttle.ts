import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@accounts/config';
import { normaliseEmail } from '@accounts/domain';
import { LookupHasher, type MasterKey } from '@accounts/privacy';
import { ProblemError } from '../http/problem';
import { MASTER_KEY, REDIS } from '../infrastructure/tokens';
import { ATTEMPT_SCRIPT, SETTLE_SCRIPT } from './throttle-script';

const SHAS = new Map([ATTEMPT_SCRIPT, SETTLE_SCRIPT].map((script) => [script, createHash('sha1').update(script).digest('hex')]));

/** The actions throttled per address and per client IP (API.md, "Who may act, and how much"). */
export type ThrottledAction = 'login' | 'password-reset';

export const THROTTLE_RULES = {
  /** Failures for one address before it is locked. */
  addressLimit: 5,
  /** Failures from one client IP (any addresses) before it is locked: an office behind one NAT logs in often. */
  ipLimit: 100,
  /** The first lock; each further failure doubles it. */
  firstLockMs: 60_000,
  longestLockMs: 60 * 60_000,
  /** Counts are forgotten this long after the latest failure. */
  windowMs: 15 * 60_000,
} as const;

/** One attempt that was let through: tell the throttle how it ended. */
export interface ThrottledAttempt {
  /** The address's count is cleared, and this attempt no longer counts against the IP. */
  succeeded(): Promise<void>;
  /** It ended without a verdict (a store was down...): it no longer counts. A failure needs no call: it was counted. */
  abandoned(): Promise<void>;
}

/**
 * Login and password-reset throttling, in Redis so it holds across every API process, and the same for addresses
 * that have no account (nothing here looks the address up). Keys are lookup hashes: no address or IP is ever a Redis
 * key. `begin` refuses with 429 `too_many_attempts` and `Retry-After`, or counts the attempt as failed until told.
 */
@Injectable()
export class AttemptThrottle {
  private readonly hasher: LookupHasher;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(MASTER_KEY) master: MasterKey,
  ) {
    this.hasher = new LookupHasher(master, 'attempt-throttle');
  }

  async begin(action: ThrottledAction, rawAddress: string, clientIp: string | undefined): Promise<ThrottledAttempt> {
    // One hash tag per action: the script counts the address and the IP together, so on Redis Cluster both keys must
    // live in one slot (a cross-slot script is refused).
    const addressKey = `throttle:{${action}}:address:${this.hasher.hash(normaliseEmail(rawAddress))}`;
    const keys = clientIp ? [addressKey, `throttle:{${action}}:ip:${this.hasher.hash(clientIp)}`] : [addressKey];
    const limits = [THROTTLE_RULES.addressLimit, THROTTLE_RULES.ipLimit].slice(0, keys.length);
    const { firstLockMs, longestLockMs, windowMs } = THROTTLE_RULES;
    const waitMs = Number(await this.run(ATTEMPT_SCRIPT, keys, [firstLockMs, longestLockMs, windowMs, ...limits]));
    if (waitMs > 0) {
      throw new ProblemError('too_many_attempts', 'Too many failed attempts; wait before trying again.', undefined, Math.ceil(waitMs / 1000));
    }
    return {
      succeeded: async () => {
        await this.run(SETTLE_SCRIPT, keys, [1]);
      },
      abandoned: async () => {
        await this.run(SETTLE_SCRIPT, keys, [0]);
      },
    };
  }

  /** EVALSHA, sending the text only when Redis does not have it yet (after a restart or a SCRIPT FLUSH). */
  private async run(script: string, keys: string[], args: number[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(SHAS.get(script)!, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.redis.eval(script, keys.length, ...keys, ...args);
    }
  }
}
