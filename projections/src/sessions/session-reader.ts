import type { Redis } from 'ioredis';
import { SessionKeys, type StoredSession } from './session-keys';
import { runScript, VALIDATE_SESSION } from './session-scripts';

/**
 * Reads what the sessions projection wrote. Validation touches only Redis (one script call): the token's hash finds
 * the session, the absolute expiry is the key's TTL, and the idle timer is refreshed on every successful check.
 */
export class SessionReader {
  constructor(
    private readonly redis: Redis,
    private readonly idleSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  async validate(tokenHash: string): Promise<StoredSession | undefined> {
    const record = (await runScript(this.redis, VALIDATE_SESSION, [tokenHash, String(this.now()), String(this.idleSeconds * 1000)])) as
      | string
      | null;
    return record ? (JSON.parse(record) as StoredSession) : undefined;
  }

  /** The user's active sessions (not idle, not expired), without tokens. */
  async listForUser(userId: string): Promise<StoredSession[]> {
    const keys = await this.liveKeys();
    const sessionIds = await this.redis.smembers(keys.userSessions(userId));
    if (sessionIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const sessionId of sessionIds) {
      pipeline.get(keys.session(sessionId));
      pipeline.exists(SessionKeys.seen(sessionId));
    }
    const replies = (await pipeline.exec()) ?? [];
    const tokenHashes = sessionIds.flatMap((_, i) => {
      const tokenHash = replies[2 * i]?.[1];
      const seen = replies[2 * i + 1]?.[1];
      return typeof tokenHash === 'string' && seen === 1 ? [tokenHash] : [];
    });
    if (tokenHashes.length === 0) return [];
    const records = await this.redis.mget(tokenHashes.map((hash) => keys.token(hash)));
    return records
      .filter((record): record is string => record !== null)
      .map((record) => JSON.parse(record) as StoredSession)
      .filter((session) => Date.parse(session.expiresAt) > this.now())
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The session's owner, for authorising a logout by session id. */
  async ownerOf(sessionId: string): Promise<string | undefined> {
    const keys = await this.liveKeys();
    const tokenHash = await this.redis.get(keys.session(sessionId));
    if (!tokenHash) return undefined;
    const record = await this.redis.get(keys.token(tokenHash));
    return record ? (JSON.parse(record) as StoredSession).userId : undefined;
  }

  private async liveKeys(): Promise<SessionKeys> {
    return SessionKeys.forVersion(Number((await this.redis.get(SessionKeys.LIVE_VERSION)) ?? '1'));
  }
}
