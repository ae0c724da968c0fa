import { type Actor, requireActiveActor } from '../shared/actor';
import { DomainError } from '../shared/domain-error';
import { parseEmail } from '../shared/email';
import type { UserCommand } from './user-commands';
import type { UserEvent } from './user-events';
import { evolveUser, foldUser, initialUserState, type PendingToken, type UserState } from './user-state';

type ActiveUser = Extract<UserState, { status: 'active' }>;

const notFound = () => new DomainError('user_not_found', 'No such user.');
const badCredentials = () => new DomainError('invalid_credentials', 'The email or password is wrong.');
/** One answer for a token that is unknown, used, superseded by a later one, or expired: callers learn nothing more. */
const tokenInvalid = () => new DomainError('token_invalid', 'The token is invalid, used or expired.');

function activeUser(state: UserState): ActiveUser {
  if (state.status !== 'active') throw notFound(); // erased users are gone for callers, like missing ones
  return state;
}

/**
 * Who may act for a user: the user themself, or a service whose key holds `users:manage`. An erased or unknown actor
 * is refused first, before anything about the subject is decided. Exported so that a use case with work to do before
 * its decided step (reserving an address, verifying a password, announcing an upload) refuses before that work; the
 * decider checks it again on the state it decides with.
 */
export function requireMayActFor(subjectId: string, actor: Actor): void {
  requireActiveActor(actor);
  if (actor.userId !== subjectId && !actor.mayManageUsers) throw new DomainError('forbidden', 'You may not act for this user.');
}

/**
 * The password was verified against the hash the user has now. A hash verified before a concurrent change no
 * longer counts, so of two changes made with the same current password only the first is accepted.
 */
function requireCurrentPassword(user: ActiveUser, verifiedAgainst: string | undefined): void {
  if (verifiedAgainst === undefined || verifiedAgainst !== user.passwordHash) throw badCredentials();
}

/**
 * The mailed token presented is the live one of its kind: the last issued (a later issue, or a change of address,
 * ended earlier ones), not used yet (using it ends it), not expired, and the same token (its hash). Exported so that
 * a use case with slow work after it (hashing a new password) refuses a dead token first; the decider asks again.
 */
export function requireLiveToken(pending: PendingToken | undefined, presented: { tokenId: string; tokenHash: string }, now: string): void {
  if (!pending || pending.tokenId !== presented.tokenId || pending.tokenHash !== presented.tokenHash || pending.expiresAt <= now) throw tokenInvalid();
}

/** The token mailed to prove an address, as the event records it. */
function verificationIssued(userId: string, token: PendingToken, issuedAt: string): UserEvent {
  return { type: 'EmailVerificationIssued', data: { userId, tokenId: token.tokenId, tokenHash: token.tokenHash, expiresAt: token.expiresAt, issuedAt } };
}

function registerUser(command: Extract<UserCommand, { type: 'RegisterUser' }>, state: UserState): UserEvent[] {
  const { userId, passwordHash, verification, now } = command.data;
  const email = parseEmail(command.data.email);
  if (state.status !== 'none') throw new DomainError('validation_failed', 'This user id is already taken.', [{ field: 'userId', message: 'already taken' }]);
  return [{ type: 'UserRegistered', data: { userId, email, passwordHash, registeredAt: now } }, verificationIssued(userId, verification, now)];
}

function changeEmail(command: Extract<UserCommand, { type: 'ChangeEmail' }>, user: ActiveUser): UserEvent[] {
  const email = parseEmail(command.data.email);
  if (email === user.email) return [];
  const { verification, now } = command.data;
  return [{ type: 'UserEmailChanged', data: { userId: user.userId, email, changedAt: now } }, verificationIssued(user.userId, verification, now)];
}

function verifyEmail(command: Extract<UserCommand, { type: 'VerifyEmail' }>, state: UserState): UserEvent[] {
  // An unknown or erased user is the same answer as a wrong token: a token names its user, and must reveal nothing.
  if (state.status !== 'active') throw tokenInvalid();
  requireLiveToken(state.emailVerification, command.data, command.data.now);
  return [{ type: 'UserEmailVerified', data: { userId: state.userId, verifiedAt: command.data.now } }];
}

function requestPasswordReset(command: Extract<UserCommand, { type: 'RequestPasswordReset' }>, state: UserState): UserEvent[] {
  // No account (or an erased one, or a stale reservation of an address the user left) behind the address: nothing
  // to mail, and the caller is told nothing different.
  if (state.status !== 'active' || state.email !== command.data.email) return [];
  const { reset, now } = command.data;
  return [{ type: 'PasswordResetRequested', data: { userId: state.userId, tokenId: reset.tokenId, tokenHash: reset.tokenHash, expiresAt: reset.expiresAt, requestedAt: now } }];
}

function resetPassword(command: Extract<UserCommand, { type: 'ResetPassword' }>, state: UserState): UserEvent[] {
  if (state.status !== 'active') throw tokenInvalid();
  requireLiveToken(state.passwordReset, command.data, command.data.now);
  // UserPasswordChanged ends every session and the reset token with it (user-state.ts): the token is single-use.
  return [{ type: 'UserPasswordChanged', data: { userId: state.userId, passwordHash: command.data.passwordHash, changedAt: command.data.now } }];
}

function changePassword(command: Extract<UserCommand, { type: 'ChangePassword' }>, state: UserState): UserEvent[] {
  // An unknown user gets the same answer as a wrong password: the route must not reveal which ids exist.
  if (state.status !== 'active') throw badCredentials();
  requireCurrentPassword(state, command.data.verifiedAgainst);
  return [{ type: 'UserPasswordChanged', data: { userId: state.userId, passwordHash: command.data.passwordHash, changedAt: command.data.now } }];
}

function logIn(command: Extract<UserCommand, { type: 'LogIn' }>, state: UserState): UserEvent[] {
  // Same answer for an unknown, erased or wrongly authenticated user, and for an address the user no longer has
  // (a stale reservation): callers must not learn which.
  if (state.status !== 'active' || state.email !== command.data.email) throw badCredentials();
  requireCurrentPassword(state, command.data.verifiedAgainst);
  const { sessionId, tokenHash, expiresAt, ip, now } = command.data;
  return [{ type: 'UserLoggedIn', data: { userId: state.userId, sessionId, tokenHash, expiresAt, ...(ip ? { ip } : {}), at: now } }];
}

function revokeSession(command: Extract<UserCommand, { type: 'RevokeSession' }>, user: ActiveUser): UserEvent[] {
  if (!(command.data.sessionId in user.sessions)) return []; // unknown or already ended: logging out twice is fine
  return [{ type: 'SessionRevoked', data: { userId: user.userId, sessionId: command.data.sessionId, at: command.data.now } }];
}

function revokeAllSessions(command: Extract<UserCommand, { type: 'RevokeAllSessions' }>, user: ActiveUser): UserEvent[] {
  const live = Object.values(user.sessions).some((expiresAt) => expiresAt > command.data.now);
  if (!live) return [];
  return [{ type: 'AllSessionsRevoked', data: { userId: user.userId, at: command.data.now } }];
}

function setAvatar(command: Extract<UserCommand, { type: 'SetAvatar' }>, user: ActiveUser): UserEvent[] {
  const { avatarUrl, objectKey, now } = command.data;
  if (avatarUrl === user.avatarUrl) return [];
  return [{ type: 'UserAvatarChanged', data: { userId: user.userId, avatarUrl, objectKey, changedAt: now } }];
}

function eraseUser(command: Extract<UserCommand, { type: 'EraseUser' }>, user: ActiveUser): UserEvent[] {
  if (command.data.isBillingOwnerOfAnyOrganization) {
    throw new DomainError('owner_must_transfer', 'This user is the billing owner of an organization; transfer its ownership first.');
  }
  return [{ type: 'UserErased', data: { userId: user.userId, erasedAt: command.data.now } }];
}

/** The user's rules: what each command may do given the user's history. Pure: no clock, no I/O. */
export function decideUser(command: UserCommand, state: UserState): UserEvent[] {
  if (command.type === 'RegisterUser') return registerUser(command, state);
  if (command.type === 'LogIn') return logIn(command, state);
  if (command.type === 'VerifyEmail') return verifyEmail(command, state);
  if (command.type === 'RequestPasswordReset') return requestPasswordReset(command, state);
  if (command.type === 'ResetPassword') return resetPassword(command, state);
  requireMayActFor(command.data.userId, command.actor);
  switch (command.type) {
    case 'ChangeEmail':
      return changeEmail(command, activeUser(state));
    case 'ChangePassword':
      return changePassword(command, state);
    case 'RevokeSession':
      return revokeSession(command, activeUser(state));
    case 'RevokeAllSessions':
      return revokeAllSessions(command, activeUser(state));
    case 'SetAvatar':
      return setAvatar(command, activeUser(state));
    case 'EraseUser':
      return eraseUser(command, activeUser(state));
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled user command ${(unhandled as UserCommand).type}`);
    }
  }
}

/**
 * A login repeated with the same Idempotency-Key gets back the session the first one opened, but only while that
 * session lives. Once it was logged out, revoked or ended by a new password, the repeat is refused rather than handed
 * the dead token, and no fresh session is opened in its place: one key opens at most one session, and a client that
 * wants a new one sends a new key. Returns the session's expiry.
 */
export function repeatedLogIn(state: UserState, sessionId: string, now: string): string {
  const expiresAt = state.status === 'active' ? state.sessions[sessionId] : undefined;
  if (expiresAt === undefined || expiresAt <= now) {
    throw new DomainError('session_invalid', 'The session this login opened has ended; log in again with a new Idempotency-Key.');
  }
  return expiresAt;
}

export const userDecider = { decide: decideUser, evolve: evolveUser, fold: foldUser, initialState: initialUserState };
