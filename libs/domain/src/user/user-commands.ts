import type { Actor } from '../shared/actor';
import type { PendingToken } from './user-state';

/**
 * Commands on one user. Everything the decider cannot know by itself comes in with the command: the time, new ids,
 * password hashes (hashing is slow and not the domain's business), the hash a password was verified against, and
 * facts about the actor and other aggregates. Commands about an existing user carry the `actor`: who may act for a
 * user is decided here, with the user's state. Registration and login act for nobody: the person is not yet known.
 */
export type UserCommand =
  /** `verification`: the token issued for the new address (EmailedTokens.issue), mailed from the event. */
  | { type: 'RegisterUser'; data: { userId: string; email: string; passwordHash: string; verification: PendingToken; now: string } }
  | { type: 'ChangeEmail'; data: { userId: string; email: string; verification: PendingToken; now: string }; actor: Actor }
  /**
   * Commands authorised by a mailed token rather than an actor: whoever holds the token acts. `tokenId` and
   * `tokenHash` are those of the presented token (its id from parsing it, its hash computed by the route).
   */
  | { type: 'VerifyEmail'; data: { userId: string; tokenId: string; tokenHash: string; now: string } }
  /**
   * Asked for an address (`email`, normalised), on the stream of the user its reservation names; an address without
   * an account reaches a stream with no user, and nothing is decided.
   */
  | { type: 'RequestPasswordReset'; data: { userId: string; email: string; reset: PendingToken; now: string } }
  | { type: 'ResetPassword'; data: { userId: string; tokenId: string; tokenHash: string; passwordHash: string; now: string } }
  | {
      type: 'ChangePassword';
      /** `verifiedAgainst`: the stored hash the current password was verified against; undefined when it did not verify. */
      data: { userId: string; passwordHash: string; verifiedAgainst: string | undefined; now: string };
      actor: Actor;
    }
  | {
      type: 'LogIn';
      /** `email`: the address logged in with; `verifiedAgainst` as for ChangePassword. */
      data: { userId: string; email: string; sessionId: string; tokenHash: string; expiresAt: string; ip?: string; verifiedAgainst: string | undefined; now: string };
    }
  | { type: 'RevokeSession'; data: { userId: string; sessionId: string; now: string }; actor: Actor }
  | { type: 'RevokeAllSessions'; data: { userId: string; now: string }; actor: Actor }
  | { type: 'SetAvatar'; data: { userId: string; avatarUrl: string; objectKey: string; now: string }; actor: Actor }
  | { type: 'EraseUser'; data: { userId: string; isBillingOwnerOfAnyOrganization: boolean; now: string }; actor: Actor };
