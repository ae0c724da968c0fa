import { createHmac, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import { deriveKey } from './lookup-hash';
import type { MasterKey } from './master-key';
import { sha256Hex } from './session-token';

/** What a mailed token is for; part of what its MAC covers, so a token for one purpose never passes for another. */
export type TokenPurpose = 'invitation' | 'email-verification' | 'password-reset';
const PURPOSE_BYTE: Record<TokenPurpose, number> = { invitation: 1, 'email-verification': 2, 'password-reset': 3 };
const PURPOSE_OF = new Map(Object.entries(PURPOSE_BYTE).map(([purpose, byte]) => [byte, purpose as TokenPurpose]));

/** The parts of a token: whose stream it belongs to (an organization, a user) and which issue of it this is. */
export interface TokenParts {
  purpose: TokenPurpose;
  /** The stream's uuid: an organization's for an invitation, a user's otherwise. */
  subjectId: string;
  /** The random id of this issue, carried by the event that issued it (a resend issues a new one). */
  tokenId: string;
}

/** What the event that issues a token carries: the id in clear, the hash sealed (personal-data.ts). */
export interface IssuedToken {
  tokenId: string;
  tokenHash: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const uuidBytes = (uuid: string) => Buffer.from(uuid.replace(/-/g, ''), 'hex');
const uuidText = (bytes: Buffer) => bytes.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
/** 1 purpose byte, the subject's 16, the issue's 16, then 32 bytes of MAC: 65 bytes, 87 base64url characters. */
const TOKEN_BYTES = 1 + 16 + 16 + 32;

/**
 * Tokens mailed to a person (an invitation, an address to verify, a password to reset). The mail is written by a
 * projector from the events, possibly in another process and after a crash, yet a token may be stored only as a hash
 * (API.md). So the token is derived, never stored: 256 bits of HMAC-SHA256, under a key derived from the master key,
 * over the purpose, the subject and a random token id that the issuing event carries. The event carries the id and
 * the token's SHA-256 (sealed); the token itself exists only in the mail. The subject and id travel in the token, so
 * that a presented token leads to its stream without any lookup table; what decides is the hash in that stream.
 */
export class EmailedTokens {
  private readonly key: KeyObject;

  constructor(master: MasterKey) {
    this.key = deriveKey(master, 'emailed-tokens/v1');
  }

  /** A new issue for the subject: the event records this; `tokenFor` recreates the token from it for the mail. */
  issue(purpose: TokenPurpose, subjectId: string): IssuedToken {
    const tokenId = randomUUID();
    return { tokenId, tokenHash: hashEmailedToken(this.tokenFor({ purpose, subjectId, tokenId })) };
  }

  /** The token of an issue (for the mail projector): the same parts always give the same token. */
  tokenFor(parts: TokenParts): string {
    const head = Buffer.concat([Buffer.from([PURPOSE_BYTE[parts.purpose]]), uuidBytes(parts.subjectId.toLowerCase()), uuidBytes(parts.tokenId.toLowerCase())]);
    return Buffer.concat([head, createHmac('sha256', this.key).update(head).digest()]).toString('base64url');
  }

  /**
   * The parts of a presented token, when it is one this service could have issued for that purpose (its MAC checks);
   * undefined otherwise, so a forged token never costs a stream read. Whether it is still live is the decider's call.
   */
  parse(token: string, purpose: TokenPurpose): TokenParts | undefined {
    if (typeof token !== 'string' || token.length !== Math.ceil((TOKEN_BYTES * 4) / 3) || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== TOKEN_BYTES || PURPOSE_OF.get(bytes[0]!) !== purpose) return undefined;
    const head = bytes.subarray(0, 33);
    const mac = createHmac('sha256', this.key).update(head).digest();
    if (!timingSafeEqual(mac, bytes.subarray(33))) return undefined;
    const subjectId = uuidText(bytes.subarray(1, 17));
    const tokenId = uuidText(bytes.subarray(17, 33));
    return UUID.test(subjectId) && UUID.test(tokenId) ? { purpose, subjectId, tokenId } : undefined;
  }
}

/** What an event stores of a token and what a presented token is compared by (hex SHA-256). */
export function hashEmailedToken(token: string): string {
  return sha256Hex(token);
}
