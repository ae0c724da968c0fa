import { DomainError, invalid } from './domain-error';

export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

/** Roles, strongest first. */
export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

export function parsePlan(raw: string): Plan {
  if (!(PLANS as readonly string[]).includes(raw)) throw invalid('plan', `one of ${PLANS.join(', ')}`);
  return raw as Plan;
}

export function parseRole(raw: string): Role {
  if (!(ROLES as readonly string[]).includes(raw)) throw invalid('role', `one of ${ROLES.join(', ')}`);
  return raw as Role;
}

export const MAX_ORGANIZATION_NAME = 100;

/** 1 to 100 characters after trimming (and NFC normalisation, so the same name is stored the same way). */
export function parseOrganizationName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if ([...name].length < 1 || [...name].length > MAX_ORGANIZATION_NAME) throw invalid('name', `1 to ${MAX_ORGANIZATION_NAME} characters`);
  if (/\p{Cc}/u.test(name)) throw invalid('name', 'no control characters');
  return name;
}

/**
 * What a card number looks like: 13 to 19 digits that pass the Luhn check, written in groups with any separators
 * between them (spaces, dashes, dots, slashes, underscores, invisible characters...: anything but a letter), in any
 * digits NFKC maps to ASCII (full-width too). Any run of whole neighbouring groups counts, so digits before a card
 * number cannot hide it; a single unbroken run of more than 19 digits is not a card number.
 */
export function containsCardNumber(text: string): boolean {
  for (const match of text.normalize('NFKC').matchAll(/\d+(?:[^\p{L}\d]+\d+)*/gu)) {
    const groups = match[0].split(/\D+/);
    for (let first = 0; first < groups.length; first++) {
      let digits = '';
      for (let last = first; last < groups.length && digits.length + groups[last]!.length <= 19; last++) {
        digits += groups[last];
        if (digits.length >= 13 && passesLuhn(digits)) return true;
      }
    }
  }
  return false;
}

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

const PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * The processor's reference to a payment method (e.g. `pm_1Nv…`), never card data. The error never repeats the value.
 */
export function parsePaymentMethod(processor: string, paymentMethodId: string): { processor: string; paymentMethodId: string } {
  if (containsCardNumber(processor) || containsCardNumber(paymentMethodId)) {
    throw new DomainError('raw_card_data_rejected', 'Send the payment processor’s reference id, never card numbers.');
  }
  const trimmedProcessor = processor.trim();
  if (trimmedProcessor.length < 1 || trimmedProcessor.length > 50 || !/^[a-z0-9][a-z0-9_.-]*$/i.test(trimmedProcessor)) {
    throw invalid('processor', '1 to 50 letters, digits, dots, dashes or underscores');
  }
  if (paymentMethodId.length < 1 || paymentMethodId.length > 255 || !PRINTABLE.test(paymentMethodId)) {
    throw invalid('paymentMethodId', '1 to 255 printable characters without spaces');
  }
  return { processor: trimmedProcessor.toLowerCase(), paymentMethodId };
}
