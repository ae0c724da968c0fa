import type { RedisClient } from '@accounts/config';
import { SessionKeys, type StoredSession } from './session-keys';
import { runScript, VALIDATE_SESSION, VERSION_UNAVAILABLE } from './session-scripts';

/**
 * The sessions store cannot answer: Redis is down, failing over, or its projection lost its data and is being
 * rebuilt. Never "the session is invalid": the HTTP layer answers 503 `service_unavailable` (recognised by its
 * `code`), so callers retry instead of logging their users out. The driver's error is kept as `cause`, unshown.
 */
export class SessionsUnavailableError extends Error {
  readonly code = 'service_unavailable';
  constructor(options?: { cause?: unknown }) {
    super('The sessions store is unavailable; retry shortly.', options);
    this.name = 'SessionsUnavailableError';
  }
}

/**
 * Reads what the sessions projection wrote. Validation touches only Redis, in one script call: the token's hash finds
 * the session, the absolute expiry is the key's TTL, and the idle timer is refreshed on every successful check.
 *
 * The live version is remembered, not read on every call (on a cluster the pointer lives in another slot than the
 * version's keys, so the script cannot read it): a version that has been replaced, lost or is being rebuilt answers
 * "unavailable", and only then is the pointer read again.
 */
export class SessionReader {
  private liveVersion: number | undefined;
  /** The live version's keys, built once per version rather than on every check. */
  private liveKeys: SessionKeys | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly idleSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  async validate(tokenHash: string): Promise<StoredSession | undefined> {
    return this.unlessDown(async () => {
      let keys = this.liveKeys ?? (await this.keysOfLiveVersion());
      for (;;) {
        const reply = (await runScript(
          this.redis,
          VALIDATE_SESSION,
          [keys.checkpoint(), keys.unavailable(), keys.token(tokenHash)],
          [keys.prefix, String(this.now()), String(this.idleSeconds * 1000)],
        )) as string | null;
        if (reply !== VERSION_UNAVAILABLE) return reply ? (JSON.parse(reply) as StoredSession) : undefined;
        keys = await this.nextVersion(keys);
      }
    });
  }

  /** The user's active sessions (not idle, not expired), without tokens. */
  async listForUser(userId: string): Promise<StoredSession[]> {
    return this.unlessDown(async () => {
      const keys = await this.readableKeys();
      const sessionIds = await this.redis.smembers(keys.userSessions(userId));
      if (sessionIds.length === 0) return [];
      const pipeline = this.redis.pipeline();
      for (const sessionId of sessionIds) {
        pipeline.get(keys.session(sessionId));
        pipeline.exists(keys.seen(sessionId));
      }
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([error]) => error);
      if (failed) throw failed[0];
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
    });
  }

  /** The session's owner, for authorising a logout by session id. */
  async ownerOf(sessionId: string): Promise<string | undefined> {
    return this.unlessDown(async () => {
      const keys = await this.readableKeys();
      const tokenHash = await this.redis.get(keys.session(sessionId));
      if (!tokenHash) return undefined;
      const record = await this.redis.get(keys.token(tokenHash));
      return record ? (JSON.parse(record) as StoredSession).userId : undefined;
    });
  }

  /** The live version's keys, once it is known to hold its data (not lost, not being rebuilt). */
  private async readableKeys(): Promise<SessionKeys> {
    let keys = SessionKeys.forVersion(this.liveVersion ?? (await this.readLiveVersion()));
    for (;;) {
      const [checkpoint, unavailable] = await this.redis.mget(keys.checkpoint(), keys.unavailable());
      if (checkpoint != null && unavailable == null) return keys;
      keys = await this.nextVersion(keys);
    }
  }

  /** After `keys` answered "unavailable": the live version if another one is live now, else the store is unavailable. */
  private async nextVersion(keys: SessionKeys): Promise<SessionKeys> {
    const live = await this.readLiveVersion();
    if (live === keys.version) throw new SessionsUnavailableError();
    return SessionKeys.forVersion(live);
  }

  private async keysOfLiveVersion(): Promise<SessionKeys> {
    await this.readLiveVersion();
    return this.liveKeys!;
  }

  private async readLiveVersion(): Promise<number> {
    this.liveVersion = Number((await this.redis.get(SessionKeys.LIVE_VERSION)) ?? '1');
    if (this.liveKeys?.version !== this.liveVersion) this.liveKeys = SessionKeys.forVersion(this.liveVersion);
    return this.liveVersion;
  }

  /**
   * Runs a read; whatever Redis or the connection fails with becomes SessionsUnavailableError, except errors in our
   * own scripts (`ERR …`), which are bugs and stay 500s.
   */
  private async unlessDown<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof SessionsUnavailableError) throw error;
      if (error instanceof Error && error.name === 'ReplyError' && error.message.startsWith('ERR ')) throw error;
      throw new SessionsUnavailableError({ cause: error });
    }
  }
}
