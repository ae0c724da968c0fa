/**
 * Commands on one user. Everything the decider cannot know by itself comes in with the command: the time, new ids,
 * the password hash (hashing is slow and not the domain's business) and whether a password was verified.
 */
export type UserCommand =
  | { type: 'RegisterUser'; data: { userId: string; email: string; passwordHash: string; now: string } }
  | { type: 'ChangeEmail'; data: { userId: string; email: string; now: string } }
  | { type: 'ChangePassword'; data: { userId: string; passwordHash: string; currentPasswordVerified: boolean; now: string } }
  | {
      type: 'LogIn';
      data: { userId: string; sessionId: string; tokenHash: string; expiresAt: string; ip?: string; passwordVerified: boolean; now: string };
    }
  | { type: 'RevokeSession'; data: { userId: string; sessionId: string; now: string } }
  | { type: 'RevokeAllSessions'; data: { userId: string; now: string } }
  | { type: 'SetAvatar'; data: { userId: string; avatarUrl: string; objectKey: string; now: string } }
  | { type: 'EraseUser'; data: { userId: string; isBillingOwnerOfAnyOrganization: boolean; now: string } };
