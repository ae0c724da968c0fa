import { userIdOfStream } from '../../../libs/streams/src';
import type { ProjectedEvent } from '../runtime/projected-event';

export type SessionOperation =
  | {
      kind: 'login';
      sessionId: string;
      userId: string;
      tokenHash: string;
      expiresAt: string;
      expiresAtMs: number;
      createdAt: string;
      loggedInAtMs: number;
    }
  | { kind: 'revoke'; sessionId: string; userId: string }
  | { kind: 'revoke_all'; userId: string };

const TOKEN_HASH = /^[0-9a-f]{64}$/;

/**
 * What an event does to sessions (a password change or an erasure ends every session of the person): an
 * operation, nothing (undefined), or 'invalid' for an event it cannot read.
 */
export function sessionOperation(event: ProjectedEvent): SessionOperation | undefined | 'invalid' {
  const userId = userIdOfStream(event.streamName);
  if (!userId) return undefined;
  const data = event.data;
  switch (event.type) {
    case 'UserLoggedIn': {
      const { sessionId, tokenHash, expiresAt } = data;
      const loggedInAt = typeof data.at === 'string' ? data.at : event.metadata.occurredAt;
      if (typeof sessionId !== 'string' || typeof tokenHash !== 'string' || !TOKEN_HASH.test(tokenHash) || typeof expiresAt !== 'string') {
        return 'invalid';
      }
      const expiresAtMs = Date.parse(expiresAt);
      const loggedInAtMs = Date.parse(loggedInAt);
      if (Number.isNaN(expiresAtMs) || Number.isNaN(loggedInAtMs)) return 'invalid';
      return { kind: 'login', sessionId, userId, tokenHash, expiresAt, expiresAtMs, createdAt: loggedInAt, loggedInAtMs };
    }
    case 'SessionRevoked':
      return typeof data.sessionId === 'string' ? { kind: 'revoke', sessionId: data.sessionId, userId } : 'invalid';
    case 'AllSessionsRevoked':
    case 'UserPasswordChanged':
    case 'UserErased':
      return { kind: 'revoke_all', userId };
    default:
      return undefined;
  }
}
