import { aggregateIdOf } from '../runtime/projected-event';
import type { TableProjection } from './table-projection';

export interface UserRow {
  id: string;
  email: string | null;
  /** Still sealed with the person's data key, as in the event: the read model never holds a usable hash. */
  password_hash: string | null;
  created_at: string;
  last_login_at: string | null;
  avatar_url: string | null;
  erased_at: string | null;
  /** The current address was proved by its mailed token (false again after an email change). */
  email_verified: boolean;
}

type UserTableEvent = 'UserRegistered' | 'UserEmailChanged' | 'UserEmailVerified' | 'UserPasswordChanged' | 'UserLoggedIn' | 'UserAvatarChanged' | 'UserErased';

/** `users`: one row per user; an erased user's row stays (ids are not personal data), without their personal data. */
export const usersProjection: TableProjection<UserRow, UserTableEvent> = {
  canHandle: ['UserRegistered', 'UserEmailChanged', 'UserEmailVerified', 'UserPasswordChanged', 'UserLoggedIn', 'UserAvatarChanged', 'UserErased'],
  keyOf: aggregateIdOf,
  evolve(user, event) {
    if (event.type === 'UserRegistered') {
      const registered = user ?? { id: aggregateIdOf(event), created_at: event.data.registeredAt, last_login_at: null, avatar_url: null, erased_at: null };
      return { ...registered, email: event.data.email, password_hash: event.data.passwordHash, email_verified: false };
    }
    if (!user) return undefined; // a change to a user this table never saw registered
    switch (event.type) {
      case 'UserEmailChanged':
        return { ...user, email: event.data.email, email_verified: false };
      case 'UserEmailVerified':
        return { ...user, email_verified: true };
      case 'UserPasswordChanged':
        return { ...user, password_hash: event.data.passwordHash };
      case 'UserLoggedIn':
        return latest(user.last_login_at, event.data.at) === user.last_login_at ? user : { ...user, last_login_at: event.data.at };
      case 'UserAvatarChanged':
        return { ...user, avatar_url: event.data.avatarUrl };
      case 'UserErased':
        return { ...user, email: null, password_hash: null, avatar_url: null, erased_at: event.data.erasedAt, email_verified: false };
      default:
        return event satisfies never;
    }
  },
};

/** Logins may be projected out of order across sessions; the row keeps the latest. */
function latest(a: string | null, b: string): string {
  return a && Date.parse(a) > Date.parse(b) ? a : b;
}
