import type { UserEvent } from './user-events';

export type UserState =
  | { status: 'none' }
  | {
      status: 'active';
      userId: string;
      email: string;
      passwordHash: string;
      registeredAt: string;
      /** Sessions not yet revoked, with their absolute expiry (ISO). */
      sessions: Readonly<Record<string, string>>;
      avatarUrl: string | undefined;
    }
  | { status: 'erased'; userId: string };

export const initialUserState = (): UserState => ({ status: 'none' });

export function evolveUser(state: UserState, event: UserEvent): UserState {
  if (event.type === 'UserRegistered') {
    const { userId, email, passwordHash, registeredAt } = event.data;
    return { status: 'active', userId, email, passwordHash, registeredAt, sessions: {}, avatarUrl: undefined };
  }
  if (event.type === 'UserErased') return { status: 'erased', userId: event.data.userId };
  if (state.status !== 'active') return state;
  switch (event.type) {
    case 'UserEmailChanged':
      return { ...state, email: event.data.email };
    case 'UserPasswordChanged':
      // A new password ends every session.
      return { ...state, passwordHash: event.data.passwordHash, sessions: {} };
    case 'UserLoggedIn':
      return { ...state, sessions: { ...state.sessions, [event.data.sessionId]: event.data.expiresAt } };
    case 'SessionRevoked': {
      const { [event.data.sessionId]: _revoked, ...rest } = state.sessions;
      return { ...state, sessions: rest };
    }
    case 'AllSessionsRevoked':
      return { ...state, sessions: {} };
    case 'UserAvatarChanged':
      return { ...state, avatarUrl: event.data.avatarUrl };
  }
}
