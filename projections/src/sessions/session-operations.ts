import { userIdOfStream } from '@accounts/streams';
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
 * operation, nothing (undefined), or 'invalid' for a login it cannot use. The codec checked the event's shape; an
 * undecodable event is parked by the sink.
 */
export function sessionOperation(event: ProjectedEvent): SessionOperation | undefined | 'invalid' {
  const userId = userIdOfStream(event.streamName);
  if (!userId || event.kind !== 'domain') return undefined;
  switch (event.type) {
    case 'UserLoggedIn': {
      const { sessionId, tokenHash, expiresAt, at: loggedInAt } = event.data;
      if (!TOKEN_HASH.test(tokenHash)) return 'invalid';
      const expiresAtMs = Date.parse(expiresAt);
      const loggedInAtMs = Date.parse(loggedInAt);
      if (Number.isNaN(expiresAtMs) || Number.isNaN(loggedInAtMs)) return 'invalid';
      return { kind: 'login', sessionId, userId, tokenHash, expiresAt, expiresAtMs, createdAt: loggedInAt, loggedInAtMs };
    }
    case 'SessionRevoked':
      return { kind: 'revoke', sessionId: event.data.sessionId, userId };
    case 'AllSessionsRevoked':
    case 'UserPasswordChanged':
    case 'UserErased':
      return { kind: 'revoke_all', userId };
    default:
      return undefined;
  }
}
