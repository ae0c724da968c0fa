/**
 * Redis key layout of the sessions projection. Everything a version of the projection writes lives under its
 * prefix (`sessions:v<N>:`), so a rebuild writes a new prefix beside the live one and swaps by pointer.
 * The idle timer (`sessions:seen:<sessionId>`) is written by token validation, not by the projector, and so lives
 * outside any version: a rebuild must not revive a session that went idle.
 */
export class SessionKeys {
  constructor(readonly prefix: string) {}

  static forVersion(version: number): SessionKeys {
    return new SessionKeys(`sessions:v${version}:`);
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

  checkpoint(): string {
    return `${this.prefix}checkpoint`;
  }

  static seen(sessionId: string): string {
    return `sessions:seen:${sessionId}`;
  }

  /** Which version the queries read; swapped atomically at the end of a rebuild. */
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
