/**
 * Redis key layout of the sessions projection. Everything a version of the projection writes lives under its
 * prefix, `sessions:{v<N>}:`, so a rebuild writes a new prefix beside the live one and swaps by pointer. The braces
 * are a Redis Cluster hash tag: every key of one version hashes to the same slot, so the Lua scripts, which touch
 * several of them at once, run on a cluster too (they may touch only keys of one slot).
 *
 * The idle timer (`…seen:<sessionId>`) is written by token validation, not by the projector; it lives in the version's
 * slot for the same reason, and a swap carries the live version's timers over to the new one, so that a rebuild
 * neither revives a session that went idle nor ends one that is in use.
 */
export class SessionKeys {
  readonly prefix: string;

  private constructor(readonly version: number) {
    this.prefix = `sessions:{v${version}}:`;
  }

  static forVersion(version: number): SessionKeys {
    return new SessionKeys(version);
  }

  token(tokenHash: string): string {
    return `${this.prefix}token:${tokenHash}`;
  }

  session(sessionId: string): string {
    return `${this.prefix}session:${sessionId}`;
  }

  userSessions(userId: string): string {
    return `${this.prefix}user:${userId}`;
  }

  seen(sessionId: string): string {
    return `${this.prefix}seen:${sessionId}`;
  }

  /**
   * The position this version has applied, written with every batch ('' before the first). Its absence means the
   * version's data is gone (a Redis that restarted empty, a flush): nothing it says can be trusted until rebuilt.
   */
  checkpoint(): string {
    return `${this.prefix}checkpoint`;
  }

  /**
   * Set while this version must not answer: `rebuilding:<position>` after its data was lost, until the rebuild has
   * reached the position it had then (before that, a revoked session could validate, a live one fail); `superseded`
   * once another version is live (a reader that still reads this one looks up the pointer again).
   */
  unavailable(): string {
    return `${this.prefix}unavailable`;
  }

  /** Which version the queries read; swapped at the end of a rebuild. Unset means version 1. */
  static readonly LIVE_VERSION = 'sessions:live-version';
}

/** What the token key holds. Never the token itself: its SHA-256 is the key. */
export interface StoredSession {
  sessionId: string;
  userId: string;
  /** Absolute expiry, ISO-8601. */
  expiresAt: string;
  createdAt: string;
}
