import { randomUUID } from 'node:crypto';
import { comparePositions, parsePosition } from '@accounts/event-store';
import { retryWhileLagging, type TestApp } from './app';

const PASSWORD = 'correct horse battery';

/** Sessions in every state a user relies on: live ones, one logged out, one ended by a password change. */
export interface SessionsScenario {
  /** Tokens of live sessions, by session id. */
  live: Map<string, string>;
  /** Tokens of sessions that ended (logout, password change). */
  ended: string[];
  aliceId: string;
}

/**
 * Registers two people, logs them in, ends some of the sessions, and waits until the sessions projection shows it all.
 * `liveSessions` logins are made for the first person (the ones that must survive an outage).
 */
export async function seedSessions(t: TestApp, liveSessions = 3): Promise<SessionsScenario> {
  const stamp = randomUUID().slice(0, 8);
  const [alice, bob] = await Promise.all([register(t, `alice-${stamp}@example.com`), register(t, `bob-${stamp}@example.com`)]);
  const live = new Map<string, string>();
  for (let i = 0; i < liveSessions; i++) {
    const session = await logIn(t, `alice-${stamp}@example.com`);
    live.set(session.sessionId, session.token);
  }
  const loggedOut = await logIn(t, `alice-${stamp}@example.com`);
  const ofBob = await logIn(t, `bob-${stamp}@example.com`);
  // A logout finds its session in the projection: wait until the logins are there.
  const projected = await retryWhileLagging(() => t.request('GET', '/v1/sessions/current', { headers: { 'x-session-token': loggedOut.token, 'x-consistent-with': ofBob.position } }));
  expect(projected.status).toBe(200);
  const logout = await t.request('DELETE', `/v1/sessions/${loggedOut.sessionId}`, { headers: { 'x-actor-id': alice } });
  expect(logout.status).toBe(204);
  const changed = await t.request('POST', `/v1/users/${bob}/password`, {
    body: { currentPassword: PASSWORD, newPassword: 'a brand new secret' },
    headers: { 'x-actor-id': bob },
  });
  expect(changed.status).toBe(204);
  // Both ends are projected once the later of the two positions is.
  const position = [logout, changed].map((r) => String(r.headers['x-event-position'])).sort((a, b) => comparePositions(parsePosition(a)!, parsePosition(b)!)).at(-1)!;
  const caughtUp = await retryWhileLagging(() => t.request('GET', '/v1/sessions/current', { headers: { 'x-session-token': ofBob.token, 'x-consistent-with': position } }));
  expect(caughtUp.status).toBe(401);
  return { live, ended: [loggedOut.token, ofBob.token], aliceId: alice };
}

/** GET /v1/sessions/current with the token: the status, and the body's code or session id. */
export async function validate(t: TestApp, token: string): Promise<{ status: number; code?: string; sessionId?: string; retryAfter?: unknown; text: string }> {
  const response = await t.request('GET', '/v1/sessions/current', { headers: { 'x-session-token': token } });
  return { status: response.status, code: response.body?.code, sessionId: response.body?.sessionId, retryAfter: response.headers['retry-after'], text: response.text };
}

async function register(t: TestApp, email: string): Promise<string> {
  const response = await t.request('POST', '/v1/users', { body: { email, password: PASSWORD } });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

async function logIn(t: TestApp, email: string): Promise<{ sessionId: string; token: string; position: string }> {
  const response = await t.request('POST', '/v1/sessions', { body: { email, password: PASSWORD } });
  expect(response.status).toBe(201);
  return { sessionId: response.body.sessionId as string, token: response.body.token as string, position: String(response.headers['x-event-position']) };
}
