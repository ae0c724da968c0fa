import { DomainError } from './domain-error';
import { normaliseEmail } from './email';

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

/**
 * The password rules, checked before hashing (hashing is deliberately slow): 8 to 128 characters (code points), and
 * not the account's email. Throws `validation_failed` naming the rule, never the password.
 */
export function checkPasswordPolicy(password: string, email: string, field = 'password'): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    throw new DomainError('validation_failed', `The ${field} must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`, [
      { field, message: `${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters` },
    ]);
  }
  if (normaliseEmail(password) === normaliseEmail(email)) {
    throw new DomainError('validation_failed', `The ${field} must not be the email address.`, [{ field, message: 'must not be the email address' }]);
  }
}
