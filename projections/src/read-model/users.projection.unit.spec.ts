import { randomUUID } from 'node:crypto';
import { eventStream } from '../testing/projected-events';
import { projectionSpecification } from '../testing/projection-specification';
import { usersProjection } from './users.projection';

const spec = projectionSpecification(usersProjection);
const t0 = '2026-12-01T10:00:00.000Z';
const t1 = '2026-12-01T11:00:00.000Z';
const t2 = '2026-12-01T12:00:00.000Z';

function user() {
  const userId = randomUUID();
  const stream = eventStream(`user-${userId}`);
  const registered = stream.event('UserRegistered', { userId, email: 'ada@example.com', passwordHash: 'enc:v1:sealed', registeredAt: t0 });
  const row = { id: userId, email: 'ada@example.com', password_hash: 'enc:v1:sealed', created_at: t0, last_login_at: null, avatar_url: null, erased_at: null, email_verified: false };
  const loggedIn = (at: string) => stream.event('UserLoggedIn', { userId, sessionId: randomUUID(), tokenHash: 'a'.repeat(64), expiresAt: t2, at });
  return { userId, stream, registered, row, loggedIn };
}

describe('users projection', () => {
  test('a registration makes a row with the sealed hash as it came', () => {
    const ada = user();
    spec.given().when(ada.registered).then([ada.row]);
  });

  test('email, password, avatar change their columns', () => {
    const ada = user();
    spec
      .given([ada.registered])
      .when(
        ada.stream.event('UserEmailChanged', { userId: ada.userId, email: 'ada@new.example', changedAt: t1 }),
        ada.stream.event('UserPasswordChanged', { userId: ada.userId, passwordHash: 'enc:v1:other', changedAt: t1 }),
        ada.stream.event('UserAvatarChanged', { userId: ada.userId, avatarUrl: 'https://cdn.example/a.png', objectKey: 'avatars/a.png', changedAt: t1 }),
      )
      .then([{ ...ada.row, email: 'ada@new.example', password_hash: 'enc:v1:other', avatar_url: 'https://cdn.example/a.png' }]);
  });

  test('a verified address is verified until the address changes', () => {
    const ada = user();
    const verified = ada.stream.event('UserEmailVerified', { userId: ada.userId, verifiedAt: t1 });
    spec.given([ada.registered]).when(verified).then([{ ...ada.row, email_verified: true }]);
    spec
      .given([ada.registered, verified])
      .when(ada.stream.event('UserEmailChanged', { userId: ada.userId, email: 'ada@new.example', changedAt: t2 }))
      .then([{ ...ada.row, email: 'ada@new.example', email_verified: false }]);
  });

  test('the last login is the latest, whatever order logins arrive in', () => {
    const ada = user();
    spec.given([ada.registered]).when(ada.loggedIn(t2), ada.loggedIn(t1)).then([{ ...ada.row, last_login_at: t2 }]);
  });

  test('erasure keeps the row and drops every personal field', () => {
    const ada = user();
    spec
      .given([ada.registered, ada.stream.event('UserAvatarChanged', { userId: ada.userId, avatarUrl: 'https://cdn.example/a.png', objectKey: 'k', changedAt: t1 })])
      .when(ada.stream.event('UserErased', { userId: ada.userId, erasedAt: t2 }))
      .then([{ ...ada.row, email: null, password_hash: null, avatar_url: null, erased_at: t2 }]);
  });

  test('a rebuild after erasure reads the email as erased, then drops it', () => {
    const userId = randomUUID();
    const stream = eventStream(`user-${userId}`);
    spec
      .given([stream.event('UserRegistered', { userId, email: '[erased]', passwordHash: '[erased]', registeredAt: t0 })])
      .when(stream.event('UserErased', { userId, erasedAt: t1 }))
      .then([{ id: userId, email: null, password_hash: null, created_at: t0, last_login_at: null, avatar_url: null, erased_at: t1, email_verified: false }]);
  });

  test('changes to a user never registered make no row', () => {
    const ada = user();
    spec.given().when(ada.stream.event('UserEmailChanged', { userId: ada.userId, email: 'x@example.com', changedAt: t1 }), ada.loggedIn(t1)).then([]);
  });

  test('events of other tables and undecodable events change nothing', () => {
    const ada = user();
    const organizationId = randomUUID();
    spec
      .given([ada.registered])
      .when(
        eventStream(`organization-${organizationId}`).event('OrganizationCreated', { organizationId, name: 'Acme', plan: 'free', ownerId: ada.userId, createdAt: t1 }),
        ada.stream.raw('UserEmailChanged', { userId: ada.userId, email: 42 }),
        ada.stream.raw('PersonalDataRead', { readBy: 'audit' }),
      )
      .then([ada.row]);
  });
});
