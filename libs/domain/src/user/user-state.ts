import type { UserEvent } from './user-events';

export type UserState =
  | { status: 'none' }
  | {
      status: 'active';
      userId: string;
      email: string;
      passwordHash: string;
      registeredAt: string;
      /** Sessions not yet revoked, with their absolute expiry (ISO); expired ones are pruned (see pruneExpiredSessions). */
      sessions: Readonly<Record<string, string>>;
      avatarUrl: string | undefined;
      /** Whether the current address was proved by a mailed token (false again after an email change). */
      emailVerified: boolean;
      /** The live token of each kind, if any: a new issue replaces it; using it, or a change of address, ends it. */
      emailVerification?: PendingToken;
      passwordReset?: PendingToken;
      /** The time of the login at which expired sessions were last pruned. */
      sessionsPrunedAt?: string;
    }
  | { status: 'erased'; userId: string };

/** A mailed token the user may still present: its issue's id, its hash, and until when. */
export interface PendingToken {
  tokenId: string;
  tokenHash: string;
  expiresAt: string;
}

export const initialUserState = (): UserState => ({ status: 'none' });

/**
 * Folds events into a state, linear in their number: the fold takes one copy of the state and changes that copy in
 * place. Evolving event by event would copy the session map at every login, which is quadratic: a user with 5,000
 * logins took 11 s to load. The state passed in is never changed.
 */
export function foldUser(state: UserState, events: readonly UserEvent[]): UserState {
  let draft = state.status === 'active' ? { ...state, sessions: { ...state.sessions } } : state;
  for (const event of events) draft = applyUserEvent(draft, event);
  return draft;
}

export function evolveUser(state: UserState, event: UserEvent): UserState {
  return foldUser(state, [event]);
}

/** One event applied to the fold's own copy (see foldUser): its session map may be changed in place. */
function applyUserEvent(state: UserState, event: UserEvent): UserState {
  if (event.type === 'UserRegistered') {
    const { userId, email, passwordHash, registeredAt } = event.data;
    return { status: 'active', userId, email, passwordHash, registeredAt, sessions: {}, avatarUrl: undefined, emailVerified: false };
  }
  if (event.type === 'UserErased') return { status: 'erased', userId: event.data.userId };
  if (state.status !== 'active') return state;
  const sessions = state.sessions as Record<string, string>;
  switch (event.type) {
    case 'UserEmailChanged':
      // A new address is unproved, and a token mailed to the old one proves nothing about it.
      state.email = event.data.email;
      state.emailVerified = false;
      delete state.emailVerification;
      break;
    case 'UserPasswordChanged':
      // A new password ends every session, and any reset token still out.
      state.passwordHash = event.data.passwordHash;
      state.sessions = {};
      delete state.passwordReset;
      break;
    case 'EmailVerificationIssued':
      state.emailVerification = { tokenId: event.data.tokenId, tokenHash: event.data.tokenHash, expiresAt: event.data.expiresAt };
      break;
    case 'UserEmailVerified':
      state.emailVerified = true;
      delete state.emailVerification;
      break;
    case 'PasswordResetRequested':
      state.passwordReset = { tokenId: event.data.tokenId, tokenHash: event.data.tokenHash, expiresAt: event.data.expiresAt };
      break;
    case 'UserLoggedIn':
      sessions[event.data.sessionId] = event.data.expiresAt;
      pruneExpiredSessions(state, event.data.at);
      break;
    case 'SessionRevoked':
      delete sessions[event.data.sessionId];
      break;
    case 'AllSessionsRevoked':
      state.sessions = {};
      break;
    case 'UserAvatarChanged':
      state.avatarUrl = event.data.avatarUrl;
      break;
  }
  return state;
}

/** Expired sessions are pruned at most once per this much of the events' own time, so pruning stays linear. */
const PRUNE_INTERVAL_MS = 60 * 60_000;

/**
 * Drops the sessions that expired by `at` (a login's own time, never the clock: the fold must give the same state
 * whenever it runs, and from a snapshot as from the first event). Without this the state, and every snapshot of it,
 * would grow with every login the person ever made. An expired session is over anyway: revoking it changes nothing.
 */
function pruneExpiredSessions(state: Extract<UserState, { status: 'active' }>, at: string): void {
  if (state.sessionsPrunedAt !== undefined && Date.parse(at) - Date.parse(state.sessionsPrunedAt) < PRUNE_INTERVAL_MS) return;
  const sessions = state.sessions as Record<string, string>;
  for (const [sessionId, expiresAt] of Object.entries(sessions)) if (expiresAt <= at) delete sessions[sessionId];
  state.sessionsPrunedAt = at;
}
