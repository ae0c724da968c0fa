import type { Actor } from '../shared/actor';

/**
 * Commands on one user. Everything the decider cannot know by itself comes in with the command: the time, new ids,
 * password hashes (hashing is slow and not the domain's business), the hash a password was verified against, and
 * facts about the actor and other aggregates. Commands about an existing user carry the `actor`: who may act for a
 * user is decided here, with the user's state. Registration and login act for nobody: the person is not yet known.
 */
export type UserCommand =
  | { type: 'RegisterUser'; data: { userId: string; email: string; passwordHash: string; now: string } }
  | { type: 'ChangeEmail'; data: { userId: string; email: string; now: string }; actor: Actor }
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
