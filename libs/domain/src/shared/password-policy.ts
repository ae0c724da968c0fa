import { DomainError } from './domain-error';
import { normaliseEmail } from './email';

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

/** The most common passwords, lower-cased (handed in: the list ships in a package, and the domain imports none). */
export interface CommonPasswords {
  has(lowerCasedPassword: string): boolean;
}

/**
 * The password rules, checked before hashing (hashing is deliberately slow): 8 to 128 characters (code points), not
 * the account's email, not among the most common passwords (`password_too_common`, any case). Throws naming the
 * rule, never the password.
 */
export function checkPasswordPolicy(password: string, email: string, commonPasswords: CommonPasswords, field = 'password'): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    throw new DomainError('validation_failed', `The ${field} must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`, [
      { field, message: `${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters` },
    ]);
  }
  if (normaliseEmail(password) === normaliseEmail(email)) {
    throw new DomainError('validation_failed', `The ${field} must not be the email address.`, [{ field, message: 'must not be the email address' }]);
  }
  if (commonPasswords.has(password.toLowerCase())) {
    throw new DomainError('password_too_common', `The ${field} is one of the most common passwords; choose another.`, [{ field, message: 'too common' }]);
  }
}
