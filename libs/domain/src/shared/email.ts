import { invalid } from './domain-error';
import { domainToAscii } from './punycode';

export const MAX_EMAIL_LENGTH = 254;

/**
 * One account per mailbox (API.md): trimmed, NFKC-normalised and lower-cased, with the domain in its ASCII
 * (punycode) form, so `Ada@Bücher.de`, `ada@xn--bcher-kva.de` and a full-width `ａｄａ@bücher.de` are one address.
 */
export function normaliseEmail(raw: string): string {
  const email = unicodeForm(raw);
  const at = email.lastIndexOf('@');
  return at < 0 ? email : email.slice(0, at + 1) + domainToAscii(email.slice(at + 1));
}

const unicodeForm = (raw: string) => raw.normalize('NFKC').trim().toLowerCase();

/**
 * Characters that show as nothing or as a space: an address holding one displays as another (`ada\u034f@…` reads as
 * `ada@…`). Default-ignorable code points (joiners, fillers such as U+3164, variation selectors, U+034F), format
 * and control characters, every kind of space, and the blank Braille pattern U+2800, which renders as a space.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Z}\u2800]/u;
/** With the u flag a paired surrogate is one code point; only a lone one is of category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;
const LOCAL_PART = /^[^\s@"(),:;<>[\\\]]{1,64}$/u;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A practical address check: one @, a local part of at most 64 visible characters without spaces or quoting
 * characters, a domain of letters, digits and hyphens (after punycode) with at least one dot. Returns the normal form.
 */
export function parseEmail(raw: string, field = 'email'): string {
  // Checked before punycode, which would turn an invisible character in the domain into plain ASCII.
  if (INVISIBLE.test(unicodeForm(raw))) throw invalid(field, 'no invisible or control characters');
  if (LONE_SURROGATE.test(raw)) throw invalid(field, 'not well-formed Unicode');
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
