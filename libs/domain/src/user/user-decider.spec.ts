import type { Actor } from '../shared/actor';
import { DomainError } from '../shared/domain-error';
import { deciderSpecification } from '../testing/decider-specification';
import type { UserCommand } from './user-commands';
import type { UserEvent } from './user-events';
import { repeatedLogIn, userDecider } from './user-decider';

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
/** Mailed tokens as the handler issues them (EmailedTokens): an id in clear, the token's hash, an expiry. */
const firstToken = { tokenId: '11111111-1111-4111-8111-111111111111', tokenHash: '1'.repeat(64), expiresAt: '2026-11-25T10:00:00.000Z' };
const secondToken = { tokenId: '22222222-2222-4222-8222-222222222222', tokenHash: '2'.repeat(64), expiresAt: '2026-11-25T12:00:00.000Z' };
const verificationIssued = (token: typeof firstToken, issuedAt = now): UserEvent => ({ type: 'EmailVerificationIssued', data: { userId, ...token, issuedAt } });
/** The user acting for themself, as most callers do. */
const self: Actor = { userId, isActive: true, mayManageUsers: false };

describe('user decider', () => {
  describe('RegisterUser', () => {
    test('registers with the normalised email', () =>
      spec
        .given([])
        .when({ type: 'RegisterUser', data: { userId, email: '  Ada@Example.COM ', passwordHash: '$argon2id$first', verification: firstToken, now } })
        .then([registered, verificationIssued(firstToken)]));

    test('refuses an address that is not an email, without repeating it', () => {
      spec
        .given([])
        .when({ type: 'RegisterUser', data: { userId, email: 'not-an-address', passwordHash: 'h', verification: firstToken, now } })
        .thenThrows('validation_failed', (error) => {
          expect(error.message).not.toContain('not-an-address');
          expect(error.fieldErrors).toEqual([{ field: 'email', message: 'not an email address' }]);
        });
    });

    test('refuses a user id that already has a history', () =>
      spec.given([registered]).when({ type: 'RegisterUser', data: { userId, email: 'b@example.com', passwordHash: 'h', verification: firstToken, now } }).thenThrows('validation_failed'));
  });

  describe('ChangeEmail', () => {
    test('changes to a new address, and mails a token to prove it', () =>
      spec
        .given([registered])
        .when({ type: 'ChangeEmail', data: { userId, email: 'ADA@new.example', verification: secondToken, now: later }, actor: self })
        .then([{ type: 'UserEmailChanged', data: { userId, email: 'ada@new.example', changedAt: later } }, verificationIssued(secondToken, later)]));

    test('the same address (in another case) changes nothing', () =>
      spec.given([registered]).when({ type: 'ChangeEmail', data: { userId, email: 'ADA@example.com', verification: secondToken, now }, actor: self }).then([]));

    test('an unknown or erased user is not found', () => {
      const manager: Actor = { userId: undefined, isActive: false, mayManageUsers: true };
      spec.given([]).when({ type: 'ChangeEmail', data: { userId, email: 'x@example.com', verification: secondToken, now }, actor: manager }).thenThrows('user_not_found');
      spec.given([registered, erased]).when({ type: 'ChangeEmail', data: { userId, email: 'x@example.com', verification: secondToken, now }, actor: manager }).thenThrows('user_not_found');
    });
  });

  describe('ChangePassword', () => {
    const change = (verifiedAgainst: string | undefined, actor = self): UserCommand => ({
      type: 'ChangePassword',
      data: { userId, passwordHash: '$argon2id$second', verifiedAgainst, now: later },
      actor,
    });
    const changed: UserEvent = { type: 'UserPasswordChanged', data: { userId, passwordHash: '$argon2id$second', changedAt: later } };

    test('with the current password verified against the hash the user has', () => spec.given([registered]).when(change('$argon2id$first')).then([changed]));

    test('a wrong current password is invalid_credentials', () => spec.given([registered]).when(change(undefined)).thenThrows('invalid_credentials'));

    test('a password verified against a hash changed since is invalid_credentials: of racing changes, one wins', () =>
      spec.given([registered, changed]).when(change('$argon2id$first')).thenThrows('invalid_credentials'));

    test('an unknown or erased user is invalid_credentials, as a wrong password', () => {
      const manager: Actor = { userId: undefined, isActive: false, mayManageUsers: true };
      spec.given([]).when(change('$argon2id$first', manager)).thenThrows('invalid_credentials');
      spec.given([registered, erased]).when(change('$argon2id$first', manager)).thenThrows('invalid_credentials');
    });
  });

  describe('LogIn', () => {
    const logIn = (verifiedAgainst: string | undefined, email = 'ada@example.com'): UserCommand => ({
      type: 'LogIn',
      data: { userId, email, sessionId: 's1', tokenHash: 'a'.repeat(64), expiresAt: '2026-11-24T18:00:00.000Z', ip: '203.0.113.9', verifiedAgainst, now },
    });

    test('opens a session, recording the token hash and never the token', () =>
      spec
        .given([registered])
        .when(logIn('$argon2id$first'))
        .then([
          {
            type: 'UserLoggedIn',
            data: { userId, sessionId: 's1', tokenHash: 'a'.repeat(64), expiresAt: '2026-11-24T18:00:00.000Z', ip: '203.0.113.9', at: now },
          },
        ]));

    test('a wrong password, an unknown user, an erased user and an address the user left get the same answer', () => {
      spec.given([registered]).when(logIn(undefined)).thenThrows('invalid_credentials');
      spec.given([]).when(logIn('$argon2id$first')).thenThrows('invalid_credentials');
      spec.given([registered, erased]).when(logIn('$argon2id$first')).thenThrows('invalid_credentials');
      spec.given([registered]).when(logIn('$argon2id$first', 'old@example.com')).thenThrows('invalid_credentials');
    });

    test('a password verified against a hash changed since is refused', () =>
      spec
        .given([registered, { type: 'UserPasswordChanged', data: { userId, passwordHash: '$argon2id$second', changedAt: now } }])
        .when(logIn('$argon2id$first'))
        .thenThrows('invalid_credentials'));

    test('a repeated login gets its session back only while the session lives', () => {
      const fold = (events: UserEvent[]) => userDecider.fold(userDecider.initialState(), events);
      expect(repeatedLogIn(fold([registered, loggedIn('s1')]), 's1', now)).toBe('2026-11-24T18:00:00.000Z');
      const ended = [
        [registered, loggedIn('s1'), { type: 'SessionRevoked', data: { userId, sessionId: 's1', at: now } }],
        [registered, loggedIn('s1'), { type: 'AllSessionsRevoked', data: { userId, at: now } }],
        [registered, loggedIn('s1'), { type: 'UserPasswordChanged', data: { userId, passwordHash: 'h2', changedAt: now } }],
        [registered, loggedIn('s1'), erased],
        [registered, loggedIn('s1', '2026-11-24T09:00:00.000Z')],
      ] as UserEvent[][];
      for (const history of ended) {
        expect(() => repeatedLogIn(fold(history), 's1', now)).toThrow(expect.objectContaining({ code: 'session_invalid' }) as DomainError);
      }
    });
  });

  describe('sessions', () => {
    test('revoking a live session', () =>
      spec
        .given([registered, loggedIn('s1')])
        .when({ type: 'RevokeSession', data: { userId, sessionId: 's1', now }, actor: self })
        .then([{ type: 'SessionRevoked', data: { userId, sessionId: 's1', at: now } }]));

    test('revoking an unknown or already revoked session changes nothing', () => {
      spec.given([registered]).when({ type: 'RevokeSession', data: { userId, sessionId: 's1', now }, actor: self }).then([]);
      spec
        .given([registered, loggedIn('s1'), { type: 'SessionRevoked', data: { userId, sessionId: 's1', at: now } }])
        .when({ type: 'RevokeSession', data: { userId, sessionId: 's1', now }, actor: self })
        .then([]);
    });

    test('revoke-all with live sessions, and nothing when all have expired or a password change ended them', () => {
      spec
        .given([registered, loggedIn('s1'), loggedIn('s2')])
        .when({ type: 'RevokeAllSessions', data: { userId, now }, actor: self })
        .then([{ type: 'AllSessionsRevoked', data: { userId, at: now } }]);
      spec
        .given([registered, loggedIn('s1', '2026-11-24T09:00:00.000Z')])
        .when({ type: 'RevokeAllSessions', data: { userId, now }, actor: self })
        .then([]);
      spec
        .given([registered, loggedIn('s1'), { type: 'UserPasswordChanged', data: { userId, passwordHash: 'h2', changedAt: now } }])
        .when({ type: 'RevokeAllSessions', data: { userId, now }, actor: self })
        .then([]);
    });
  });

  describe('EraseUser', () => {
    test('erases a user who owns no organization', () =>
      spec.given([registered]).when({ type: 'EraseUser', data: { userId, isBillingOwnerOfAnyOrganization: false, now }, actor: self }).then([erased]));

    test('refuses while the user is a billing owner', () =>
      spec
        .given([registered])
        .when({ type: 'EraseUser', data: { userId, isBillingOwnerOfAnyOrganization: true, now }, actor: self })
        .thenThrows('owner_must_transfer'));

    test('an erased user cannot be erased again', () =>
      spec
        .given([registered, erased])
        .when({ type: 'EraseUser', data: { userId, isBillingOwnerOfAnyOrganization: false, now }, actor: self })
        .thenThrows('user_not_found'));
  });

  test('SetAvatar records the URL once', () => {
    const changed: UserEvent = { type: 'UserAvatarChanged', data: { userId, avatarUrl: 'https://files/a.png', objectKey: 'k', changedAt: now } };
    spec.given([registered]).when({ type: 'SetAvatar', data: { userId, avatarUrl: 'https://files/a.png', objectKey: 'k', now }, actor: self }).then([changed]);
    spec.given([registered, changed]).when({ type: 'SetAvatar', data: { userId, avatarUrl: 'https://files/a.png', objectKey: 'k', now }, actor: self }).then([]);
  });

  describe('VerifyEmail', () => {
    const verify = (token: { tokenId: string; tokenHash: string }, at = later): UserCommand => ({ type: 'VerifyEmail', data: { userId, ...token, now: at } });
    const verified: UserEvent = { type: 'UserEmailVerified', data: { userId, verifiedAt: later } };

    test('the live token proves the address', () => spec.given([registered, verificationIssued(firstToken)]).when(verify(firstToken)).then([verified]));

    test('unknown, used, superseded, expired, for the old address, or for an unknown user: one answer', () => {
      const wrongHash = { ...firstToken, tokenHash: 'f'.repeat(64) };
      spec.given([registered, verificationIssued(firstToken)]).when(verify(wrongHash)).thenThrows('token_invalid');
      spec.given([registered, verificationIssued(firstToken), verified]).when(verify(firstToken)).thenThrows('token_invalid');
      spec.given([registered, verificationIssued(firstToken), verificationIssued(secondToken)]).when(verify(firstToken)).thenThrows('token_invalid');
      spec.given([registered, verificationIssued(firstToken)]).when(verify(firstToken, firstToken.expiresAt)).thenThrows('token_invalid');
      const changed: UserEvent = { type: 'UserEmailChanged', data: { userId, email: 'ada@new.example', changedAt: now } };
      spec.given([registered, verificationIssued(firstToken), changed]).when(verify(firstToken)).thenThrows('token_invalid');
      spec.given([]).when(verify(firstToken)).thenThrows('token_invalid');
      spec.given([registered, verificationIssued(firstToken), erased]).when(verify(firstToken)).thenThrows('token_invalid');
    });

    test('the token mailed for the new address proves it', () =>
      spec
        .given([registered, verificationIssued(firstToken), { type: 'UserEmailChanged', data: { userId, email: 'ada@new.example', changedAt: now } }, verificationIssued(secondToken)])
        .when(verify(secondToken))
        .then([verified]));
  });

  describe('password reset', () => {
    const request = (email = 'ada@example.com'): UserCommand => ({ type: 'RequestPasswordReset', data: { userId, email, reset: firstToken, now } });
    const requested: UserEvent = { type: 'PasswordResetRequested', data: { userId, ...firstToken, requestedAt: now } };
    const reset = (token: { tokenId: string; tokenHash: string }, at = later): UserCommand => ({
      type: 'ResetPassword',
      data: { userId, ...token, passwordHash: '$argon2id$reset', now: at },
    });
    const changed: UserEvent = { type: 'UserPasswordChanged', data: { userId, passwordHash: '$argon2id$reset', changedAt: later } };

    test('a request for the address of an active user mails a token', () => spec.given([registered]).when(request()).then([requested]));

    test('no user, an erased one, or an address the user left: nothing decided, and no error to tell them apart', () => {
      spec.given([]).when(request()).then([]);
      spec.given([registered, erased]).when(request()).then([]);
      spec.given([registered]).when(request('old@example.com')).then([]);
    });

    test('the live token sets the new password, which ends every session and the token', () => {
      spec.given([registered, loggedIn('s1'), requested]).when(reset(firstToken)).then([changed]);
      const state = userDecider.fold(userDecider.initialState(), [registered, loggedIn('s1'), requested, changed]);
      expect(state.status === 'active' && Object.keys(state.sessions)).toEqual([]);
    });

    test('used, superseded, expired, wrong or for nobody: token_invalid', () => {
      const second: UserEvent = { type: 'PasswordResetRequested', data: { userId, ...secondToken, requestedAt: now } };
      spec.given([registered, requested, changed]).when(reset(firstToken)).thenThrows('token_invalid');
      spec.given([registered, requested, second]).when(reset(firstToken)).thenThrows('token_invalid');
      spec.given([registered, requested]).when(reset(firstToken, firstToken.expiresAt)).thenThrows('token_invalid');
      spec.given([registered, requested]).when(reset({ ...firstToken, tokenHash: 'f'.repeat(64) })).thenThrows('token_invalid');
      spec.given([registered]).when(reset(firstToken)).thenThrows('token_invalid');
      spec.given([]).when(reset(firstToken)).thenThrows('token_invalid');
    });

    test('a verification token is no reset token (kinds are apart)', () =>
      spec.given([registered, verificationIssued(firstToken)]).when(reset(firstToken)).thenThrows('token_invalid'));
  });

  describe('who may act for a user', () => {
    const other = '5d1e0c7a-8f3b-4b6e-9a2d-7c4f1e0b3a22';
    const commands = (actor: Actor): UserCommand[] => [
      { type: 'ChangeEmail', data: { userId, email: 'new@example.com', verification: secondToken, now }, actor },
      { type: 'ChangePassword', data: { userId, passwordHash: 'h2', verifiedAgainst: '$argon2id$first', now }, actor },
      { type: 'RevokeSession', data: { userId, sessionId: 's1', now }, actor },
      { type: 'RevokeAllSessions', data: { userId, now }, actor },
      { type: 'SetAvatar', data: { userId, avatarUrl: 'https://files/b.png', objectKey: 'k2', now }, actor },
      { type: 'EraseUser', data: { userId, isBillingOwnerOfAnyOrganization: false, now }, actor },
    ];
    const history = [registered, loggedIn('s1')];

    test('another user, or no user, is forbidden on every command about the user', () => {
      for (const command of commands({ userId: other, isActive: true, mayManageUsers: false })) spec.given(history).when(command).thenThrows('forbidden');
      for (const command of commands({ userId: undefined, isActive: false, mayManageUsers: false })) spec.given(history).when(command).thenThrows('forbidden');
    });

    test('the user themself, and a users:manage key with or without an actor, may act', () => {
      for (const actor of [self, { userId: undefined, isActive: false, mayManageUsers: true }, { userId: other, isActive: true, mayManageUsers: true }]) {
        for (const command of commands(actor)) expect(userDecider.decide(command, userDecider.fold(userDecider.initialState(), history)).length).toBeGreaterThan(0);
      }
    });

    test('an erased or unknown actor is refused before anything is decided, even with users:manage', () => {
      for (const actor of [{ userId: other, isActive: false, mayManageUsers: true }, { userId, isActive: false, mayManageUsers: false }]) {
        for (const command of commands(actor)) spec.given(history).when(command).thenThrows('user_not_found');
      }
    });
  });
});
