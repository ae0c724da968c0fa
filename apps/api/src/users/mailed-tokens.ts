import { Injectable } from '@nestjs/common';
import type { PendingToken } from '@accounts/domain';
import { EmailedTokens, hashEmailedToken, type TokenPurpose } from '@accounts/privacy';
import { ProblemError } from '../http/problem';

/** How long a mailed token may be used: a day to prove an address, an hour to reset a password (a stolen mailbox). */
const LIFETIME_MS: Record<Exclude<TokenPurpose, 'invitation'>, number> = { 'email-verification': 24 * 3600_000, 'password-reset': 3600_000 };

/** A presented token that this service could have issued for the purpose: whose it is, which issue, and its hash. */
export interface PresentedToken {
  userId: string;
  tokenId: string;
  tokenHash: string;
}

/**
 * The users' mailed tokens: issued as facts for the commands (the event records the id and the hash; the mail
 * projection recreates the token from the id), and read back when presented. A token that fails its MAC is refused
 * here with the same answer the decider gives a used or expired one, without a stream read.
 */
@Injectable()
export class MailedTokens {
  constructor(private readonly tokens: EmailedTokens) {}

  issue(purpose: 'email-verification' | 'password-reset', userId: string, now: string): PendingToken {
    const { tokenId, tokenHash } = this.tokens.issue(purpose, userId);
    return { tokenId, tokenHash, expiresAt: new Date(Date.parse(now) + LIFETIME_MS[purpose]).toISOString() };
  }

  presented(token: string, purpose: 'email-verification' | 'password-reset'): PresentedToken {
    const parts = this.tokens.parse(token, purpose);
    if (!parts) throw tokenInvalid();
    return { userId: parts.subjectId, tokenId: parts.tokenId, tokenHash: hashEmailedToken(token) };
  }
}

export const tokenInvalid = () => new ProblemError('token_invalid', 'The token is invalid, used or expired.');
