import fc from 'fast-check';
import { DomainError } from './domain-error';
import { normaliseEmail, parseEmail } from './email';
import { containsCardNumber } from './organization-values';
import { checkPasswordPolicy } from './password-policy';

describe('email', () => {
  test('normal form: NFKC, trimmed, lower-cased', () => {
    expect(normaliseEmail('  Ａda@Example.COM ')).toBe('ada@example.com');
  });

  test.each(['ada@example.com', 'a.b+tag@sub.example.co', 'ünïcode@exämple.de'])('accepts %s', (email) => {
    expect(parseEmail(email)).toBe(normaliseEmail(email));
  });

  test.each(['', 'ada', 'ada@', '@example.com', 'ada@example', 'a b@example.com', 'ada@@example.com', 'ada@-x.com', '.ada@example.com', `${'a'.repeat(65)}@example.com`, `a@${'b'.repeat(250)}.com`])(
    'refuses %j with validation_failed, naming the rule not the value',
    (email) => {
      try {
        parseEmail(email);
        throw new Error('accepted');
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe('validation_failed');
        if (email.length > 3) expect((error as DomainError).message).not.toContain(email);
      }
    },
  );
});

describe('password policy', () => {
  test('8 to 128 characters', () => {
    expect(() => checkPasswordPolicy('1234567', 'a@example.com')).toThrow(DomainError);
    expect(() => checkPasswordPolicy('12345678', 'a@example.com')).not.toThrow();
    expect(() => checkPasswordPolicy('x'.repeat(128), 'a@example.com')).not.toThrow();
    expect(() => checkPasswordPolicy('x'.repeat(129), 'a@example.com')).toThrow(DomainError);
  });

  test('not the email, in any case', () => {
    expect(() => checkPasswordPolicy('Ada@Example.com', 'ada@example.com')).toThrow('must not be the email address');
  });
});

describe('card numbers', () => {
  const luhnDigit = (body: string) => {
    let sum = 0;
    for (let i = 0; i < body.length; i++) {
      let digit = Number(body[body.length - 1 - i]);
      if (i % 2 === 0) {
        digit *= 2;
        if (digit > 9) digit -= 9;
      }
      sum += digit;
    }
    return String((10 - (sum % 10)) % 10);
  };

  test('property: any Luhn-valid 13 to 19 digit number is detected, however it is spaced or dashed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 12, max: 18 }).chain((length) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length })),
        fc.array(fc.constantFrom('', ' ', '-'), { minLength: 19, maxLength: 19 }),
        fc.string({ maxLength: 5 }).filter((s) => !/\d/.test(s)),
        (bodyDigits, separators, prefix) => {
          const body = bodyDigits.join('');
          const digits = body + luhnDigit(body);
          const formatted = [...digits].map((digit, i) => (i === 0 ? digit : separators[i]! + digit)).join('');
          return containsCardNumber(prefix + formatted);
        },
      ),
    );
  });

  test('reference ids and short or long digit runs are not card numbers', () => {
    expect(containsCardNumber('pm_1NvXk2LkdIwHu7ix')).toBe(false);
    expect(containsCardNumber('424242424242')).toBe(false); // 12 digits
    expect(containsCardNumber('4242424242424241')).toBe(false); // fails Luhn
    expect(containsCardNumber('1'.repeat(25))).toBe(false);
  });
});
