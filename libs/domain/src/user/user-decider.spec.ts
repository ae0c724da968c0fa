import { deciderSpecification } from '../testing/decider-specification';
import type { UserEvent } from './user-events';
import { userDecider } from './user-decider';

const spec = deciderSpecification(userDecider);
const userId = '0b6c3f9e-4a57-4c5f-9d0a-3c1f1b2e9a11';
const now = '2026-11-24T10:00:00.000Z';
const later = '2026-11-24T12:00:00.000Z';
const registered: UserEvent = {
  type: 'UserRegistered',
  data: { userId, email: 'ada@example.com', passwordHash: '$argon2id$first', registeredAt: now },
};
const loggedIn = (sessionId: string, expiresAt = '2026-11-24T18:00:00.000Z'): UserEvent => ({
  type: 'UserLoggedIn',
  data: { userId, sessionId, tokenHash: 'a'.repeat(64), expiresAt, at: now },
});
const erased: UserEvent = { type: 'UserErased', data: { userId, erasedAt: now } };

describe('user decider', () => {
  describe('RegisterUser', () => {
    test('registers with the normalised email', () =>
      spec
        .given([])
        .when({ type: 'RegisterUser', data: { userId, email: '  Ada@Example.COM ', passwordHash: '$argon2id$first', now } })
        .then([registered]));

    test('refuses an address that is not an email, without repeating it', () => {
      spec
        .given([])
        .when({ type: 'RegisterUser', data: { userId, email: 'not-an-address', passwordHash: 'h', now } })
        .thenThrows('validation_failed', (error) => {
          expect(error.message).not.toContain('not-an-address');
          expect(error.fieldErrors).toEqual([{ field: 'email', message: 'not an email address' }]);
        });
    });

    test('refuses a user id that already has a history', () =>
      spec.given([registered]).when({ type: 'RegisterUser', data: { userId, email: 'b@example.com', passwordHash: 'h', now } }).thenThrows('validation_failed'));
  });

  describe('ChangeEmail', () => {
    test('changes to a new address', () =>
      spec
        .given([registered])
        .when({ type: 'ChangeEmail', data: { userId, email: 'ADA@new.example', now: later } })
        .then([{ type: 'UserEmailChanged', data: { userId, email: 'ada@new.example', changedAt: later } }]));

    test('the same address (in another case) changes nothing', () =>
      spec.given([registered]).when({ type: 'ChangeEmail', data: { userId, email: 'ADA@example.com', now } }).then([]));

    test('an unknown or erased user is not found', () => {
      spec.given([]).when({ type: 'ChangeEmail', data: { userId, email: 'x@example.com', now } }).thenThrows('user_not_found');
      spec.given([registered, erased]).when({ type: 'ChangeEmail', data: { userId, email: 'x@example.com', now } }).thenThrows('user_not_found');
    });
  });

  describe('ChangePassword', () => {
    test('with the current password verified', () =>
      spec
        .given([registered])
        .when({ type: 'ChangePassword', data: { userId, passwordHash: '$argon2id$second', currentPasswordVerified: true, now: later } })
        .then([{ type: 'UserPasswordChanged', data: { userId, passwordHash: '$argon2id$second', changedAt: later } }]));

    test('a wrong current password is invalid_credentials', () =>
      spec
        .given([registered])
        .when({ type: 'ChangePassword', data: { userId, passwordHash: 'h', currentPasswordVerified: false, now } })
        .thenThrows('invalid_credentials'));
  });

  describe('LogIn', () => {
    const logIn = (passwordVerified: boolean) =>
      ({
        type: 'LogIn',
        data: { userId, sessionId: 's1', tokenHash: 'a'.repeat(64), expiresAt: '2026-11-24T18:00:00.000Z', ip: '203.0.113.9', passwordVerified, now },
      }) as const;

    test('opens a session, recording the token hash and never the token', () =>
      spec
        .given([registered])
        .when(logIn(true))
        .then([
          {
            type: 'UserLoggedIn',
            data: { userId, sessionId: 's1', tokenHash: 'a'.repeat(64), expiresAt: '2026-11-24T18:00:00.000Z', ip: '203.0.113.9', at: now },
          },
        ]));

    test('a wrong password, an unknown user and an erased user get the same answer', () => {
      spec.given([registered]).when(logIn(false)).thenThrows('invalid_credentials');
      spec.given([]).when(logIn(true)).thenThrows('invalid_credentials');
      spec.given([registered, erased]).when(logIn(true)).thenThrows('invalid_credentials');
    });
  });

  describe('sessions', () => {
    test('revoking a live session', () =>
      spec
        .given([registered, loggedIn('s1')])
        .when({ type: 'RevokeSession', data: { userId, sessionId: 's1', now } })
        .then([{ type: 'SessionRevoked', data: { userId, sessionId: 's1', at: now } }]));

    test('revoking an unknown or already revoked session changes nothing', () => {
      spec.given([registered]).when({ type: 'RevokeSession', data: { userId, sessionId: 's1', now } }).then([]);
      spec
        .given([registered, loggedIn('s1'), { type: 'SessionRevoked', data: { userId, sessionId: 's1', at: now } }])
        .when({ type: 'RevokeSession', data: { userId, sessionId: 's1', now } })
        .then([]);
    });

    test('revoke-all with live sessions, and nothing when all have expired or a password change ended them', () => {
      spec
        .given([registered, loggedIn('s1'), loggedIn('s2')])
        .when({ type: 'RevokeAllSessions', data: { userId, now } })
        .then([{ type: 'AllSessionsRevoked', data: { userId, at: now } }]);
      spec
        .given([registered, loggedIn('s1', '2026-11-24T09:00:00.000Z')])
        .when({ type: 'RevokeAllSessions', data: { userId, now } })
        .then([]);
      spec
        .given([registered, loggedIn('s1'), { type: 'UserPasswordChanged', data: { userId, passwordHash: 'h2', changedAt: now } }])
        .when({ type: 'RevokeAllSessions', data: { userId, now } })
        .then([]);
    });
  });

  describe('EraseUser', () => {
    test('erases a user who owns no organization', () =>
      spec.given([registered]).when({ type: 'EraseUser', data: { userId, isBillingOwnerOfAnyOrganization: false, now } }).then([erased]));

    test('refuses while the user is a billing owner', () =>
      spec
        .given([registered])
        .when({ type: 'EraseUser', data: { userId, isBillingOwnerOfAnyOrganization: true, now } })
        .thenThrows('owner_must_transfer'));

    test('an erased user cannot be erased again', () =>
      spec
        .given([registered, erased])
        .when({ type: 'EraseUser', data: { userId, isBillingOwnerOfAnyOrganization: false, now } })
        .thenThrows('user_not_found'));
  });

  test('SetAvatar records the URL once', () => {
    const changed: UserEvent = { type: 'UserAvatarChanged', data: { userId, avatarUrl: 'https://files/a.png', objectKey: 'k', changedAt: now } };
    spec.given([registered]).when({ type: 'SetAvatar', data: { userId, avatarUrl: 'https://files/a.png', objectKey: 'k', now } }).then([changed]);
    spec.given([registered, changed]).when({ type: 'SetAvatar', data: { userId, avatarUrl: 'https://files/a.png', objectKey: 'k', now } }).then([]);
  });
});
