import { DomainError } from '../shared/domain-error';
import { parseEmail } from '../shared/email';
import type { UserCommand } from './user-commands';
import type { UserEvent } from './user-events';
import { evolveUser, foldUser, initialUserState, type UserState } from './user-state';

const notFound = () => new DomainError('user_not_found', 'No such user.');
const badCredentials = () => new DomainError('invalid_credentials', 'The email or password is wrong.');

function activeUser(state: UserState): Extract<UserState, { status: 'active' }> {
  if (state.status !== 'active') throw notFound(); // erased users are gone for callers, like missing ones
  return state;
}

/** The user's rules: what each command may do given the user's history. Pure: no clock, no I/O. */
export function decideUser(command: UserCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'RegisterUser': {
      const { userId, passwordHash, now } = command.data;
      const email = parseEmail(command.data.email);
      if (state.status !== 'none') throw new DomainError('validation_failed', 'This user id is already taken.', [{ field: 'userId', message: 'already taken' }]);
      return [{ type: 'UserRegistered', data: { userId, email, passwordHash, registeredAt: now } }];
    }
    case 'ChangeEmail': {
      const user = activeUser(state);
      const email = parseEmail(command.data.email);
      if (email === user.email) return [];
      return [{ type: 'UserEmailChanged', data: { userId: user.userId, email, changedAt: command.data.now } }];
    }
    case 'ChangePassword': {
      const user = activeUser(state);
      if (!command.data.currentPasswordVerified) throw badCredentials();
      return [{ type: 'UserPasswordChanged', data: { userId: user.userId, passwordHash: command.data.passwordHash, changedAt: command.data.now } }];
    }
    case 'LogIn': {
      // Same answer for an unknown, erased or wrongly authenticated user: callers must not learn which.
      if (state.status !== 'active' || !command.data.passwordVerified) throw badCredentials();
      const { sessionId, tokenHash, expiresAt, ip, now } = command.data;
      return [{ type: 'UserLoggedIn', data: { userId: state.userId, sessionId, tokenHash, expiresAt, ...(ip ? { ip } : {}), at: now } }];
    }
    case 'RevokeSession': {
      const user = activeUser(state);
      if (!(command.data.sessionId in user.sessions)) return []; // unknown or already ended: logging out twice is fine
      return [{ type: 'SessionRevoked', data: { userId: user.userId, sessionId: command.data.sessionId, at: command.data.now } }];
    }
    case 'RevokeAllSessions': {
      const user = activeUser(state);
      const live = Object.values(user.sessions).some((expiresAt) => expiresAt > command.data.now);
      if (!live) return [];
      return [{ type: 'AllSessionsRevoked', data: { userId: user.userId, at: command.data.now } }];
    }
    case 'SetAvatar': {
      const user = activeUser(state);
      const { avatarUrl, objectKey, now } = command.data;
      if (avatarUrl === user.avatarUrl) return [];
      return [{ type: 'UserAvatarChanged', data: { userId: user.userId, avatarUrl, objectKey, changedAt: now } }];
    }
    case 'EraseUser': {
      const user = activeUser(state);
      if (command.data.isBillingOwnerOfAnyOrganization) {
        throw new DomainError('owner_must_transfer', 'This user is the billing owner of an organization; transfer its ownership first.');
      }
      return [{ type: 'UserErased', data: { userId: user.userId, erasedAt: command.data.now } }];
    }
  }
}

export const userDecider = { decide: decideUser, evolve: evolveUser, fold: foldUser, initialState: initialUserState };
