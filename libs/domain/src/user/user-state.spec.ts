import { deciderSpecification } from '../testing/decider-specification';
import type { UserEvent } from './user-events';
import { userDecider } from './user-decider';
import { foldUser, initialUserState } from './user-state';

const spec = deciderSpecification(userDecider);
const userId = '0b6c3f9e-4a57-4c5f-9d0a-3c1f1b2e9a11';
const start = Date.parse('2026-01-01T00:00:00.000Z');
const HOUR = 60 * 60_000;
const registered: UserEvent = { type: 'UserRegistered', data: { userId, email: 'ada@example.com', passwordHash: 'h', registeredAt: new Date(start).toISOString() } };

/** A login `hours` after registration, for a session of eight hours. */
const loginAt = (hours: number, sessionId = `s${hours}`): UserEvent => ({
  type: 'UserLoggedIn',
  data: { userId, sessionId, tokenHash: 'a'.repeat(64), expiresAt: new Date(start + (hours + 8) * HOUR).toISOString(), at: new Date(start + hours * HOUR).toISOString() },
});

const sessionsAfter = (events: UserEvent[]) => {
  const state = foldUser(initialUserState(), events);
  return state.status === 'active' ? Object.keys(state.sessions) : [];
};

describe('user state: sessions that expired are pruned by the logins’ own time', () => {
  test('a year of hourly logins leaves only the sessions still live at the last one', () => {
    const logins = Array.from({ length: 24 * 365 }, (_, hour) => loginAt(hour));
    const live = sessionsAfter([registered, ...logins]);
    expect(live.length).toBeLessThanOrEqual(9); // eight hours of sessions, plus at most an hour not yet pruned
    expect(live).toContain(`s${24 * 365 - 1}`);
    expect(live).not.toContain('s0');
  });

  test('folding from any intermediate state gives the same state as folding from the first event (snapshots)', () => {
    const history = [registered, ...Array.from({ length: 500 }, (_, i) => loginAt(i * 0.37))];
    const whole = foldUser(initialUserState(), history);
    for (const cut of [1, 2, 77, 250, 499]) {
      const fromSnapshot = foldUser(JSON.parse(JSON.stringify(foldUser(initialUserState(), history.slice(0, cut)))), history.slice(cut));
      expect(fromSnapshot).toEqual(whole);
    }
  });

  test('a session still live is kept, and can be revoked', () =>
    spec
      .given([registered, loginAt(0, 'keep'), loginAt(5, 'other')])
      .when({ type: 'RevokeSession', data: { userId, sessionId: 'keep', now: new Date(start + 6 * HOUR).toISOString() }, actor: { userId, isActive: true, mayManageUsers: false } })
      .then([{ type: 'SessionRevoked', data: { userId, sessionId: 'keep', at: new Date(start + 6 * HOUR).toISOString() } }]));

  test('a session pruned after it expired is over: revoking it appends nothing', () =>
    spec
      .given([registered, loginAt(0, 'old'), loginAt(20, 'new')])
      .when({ type: 'RevokeSession', data: { userId, sessionId: 'old', now: new Date(start + 21 * HOUR).toISOString() }, actor: { userId, isActive: true, mayManageUsers: false } })
      .then([]));
});
