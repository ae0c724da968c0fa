import { randomUUID } from 'node:crypto';
import { EmailedTokens, hashEmailedToken } from './emailed-token';
import { masterKeyFrom } from './master-key';

describe('emailed tokens', () => {
  const tokens = new EmailedTokens(masterKeyFrom(Buffer.alloc(32, 7)));
  const subjectId = randomUUID();

  test('the token of an issue is recreated from its id, and hashes to what the issue recorded', () => {
    const issued = tokens.issue('invitation', subjectId);
    const token = tokens.tokenFor({ purpose: 'invitation', subjectId, tokenId: issued.tokenId });
    expect(hashEmailedToken(token)).toBe(issued.tokenHash);
    expect(Buffer.from(token, 'base64url').subarray(33)).toHaveLength(32); // 256 bits of MAC
    expect(tokens.parse(token, 'invitation')).toEqual({ purpose: 'invitation', subjectId, tokenId: issued.tokenId });
  });

  test('a token is refused for another purpose, under another master key, or with any byte changed', () => {
    const { tokenId } = tokens.issue('password-reset', subjectId);
    const token = tokens.tokenFor({ purpose: 'password-reset', subjectId, tokenId });
    expect(tokens.parse(token, 'email-verification')).toBeUndefined();
    expect(new EmailedTokens(masterKeyFrom(Buffer.alloc(32, 8))).parse(token, 'password-reset')).toBeUndefined();
    const bytes = Buffer.from(token, 'base64url');
    for (const index of [1, 20, 40, 64]) {
      const changed = Buffer.from(bytes);
      changed[index] = changed[index]! ^ 1;
      expect(tokens.parse(changed.toString('base64url'), 'password-reset')).toBeUndefined();
    }
    for (const junk of ['', 'x', token + 'A', token.slice(1), '\u0000'.repeat(87)]) expect(tokens.parse(junk, 'password-reset')).toBeUndefined();
  });

  test('two issues for one subject give different tokens', () => {
    const first = tokens.issue('email-verification', subjectId);
    const second = tokens.issue('email-verification', subjectId);
    expect(first.tokenHash).not.toBe(second.tokenHash);
  });
});
