import { invalid } from './domain-error';

export const MAX_EMAIL_LENGTH = 254;

/** Trimmed, NFKC-normalised, lower-cased: two addresses are the same account when their normal forms are equal. */
export function normaliseEmail(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase();
}

const LOCAL_PART = /^[^\s@\p{Cc}\p{Cf}"(),:;<>[\\\]]{1,64}$/u;
const DOMAIN_LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;

/**
 * A practical address check: one @, a local part of at most 64 visible characters without spaces or quoting
 * characters, a domain of letters, digits and hyphens with at least one dot. Returns the normal form.
 */
export function parseEmail(raw: string, field = 'email'): string {
  const email = normaliseEmail(raw);
  if (email.length === 0) throw invalid(field, 'required');
  if (email.length > MAX_EMAIL_LENGTH) throw invalid(field, `at most ${MAX_EMAIL_LENGTH} characters`);
  const at = email.lastIndexOf('@');
  if (at <= 0 || email.indexOf('@') !== at) throw invalid(field, 'not an email address');
  const local = email.slice(0, at);
  const labels = email.slice(at + 1).split('.');
  if (!LOCAL_PART.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    throw invalid(field, 'not an email address');
  }
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label)) || /^\d+$/.test(labels.at(-1)!)) {
    throw invalid(field, 'not an email address');
  }
  return email;
}
