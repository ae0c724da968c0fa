/** Events of a user's stream (`user-<userId>`). Names are stable and never reused; data shapes are version 1. */
export type UserEvent =
  | { type: 'UserRegistered'; data: { userId: string; email: string; passwordHash: string; registeredAt: string } }
  | { type: 'UserEmailChanged'; data: { userId: string; email: string; changedAt: string } }
  | { type: 'UserPasswordChanged'; data: { userId: string; passwordHash: string; changedAt: string } }
  | {
      type: 'UserLoggedIn';
      data: { userId: string; sessionId: string; tokenHash: string; expiresAt: string; ip?: string; at: string };
    }
  | { type: 'SessionRevoked'; data: { userId: string; sessionId: string; at: string } }
  | { type: 'AllSessionsRevoked'; data: { userId: string; at: string } }
  | { type: 'UserAvatarChanged'; data: { userId: string; avatarUrl: string; objectKey: string; changedAt: string } }
  | { type: 'UserErased'; data: { userId: string; erasedAt: string } }
  /**
   * A token to prove the current address was mailed (with registration and every email change). `tokenId` lets the
   * mail projector recreate the token (libs/privacy emailed-token.ts); `tokenHash` (sealed, a secret) is what a
   * presented token is compared by. A later issue, or a change of address, makes it dead.
   */
  | { type: 'EmailVerificationIssued'; data: { userId: string; tokenId: string; tokenHash: string; expiresAt: string; issuedAt: string } }
  | { type: 'UserEmailVerified'; data: { userId: string; verifiedAt: string } }
  /** A password-reset token was mailed to the user's address (same fields as EmailVerificationIssued). */
  | { type: 'PasswordResetRequested'; data: { userId: string; tokenId: string; tokenHash: string; expiresAt: string; requestedAt: string } };
