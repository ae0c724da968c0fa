import fc from 'fast-check';
import { DomainError } from './domain-error';
import { normaliseEmail, parseEmail } from './email';
import { containsCardNumber } from './organization-values';
import { domainToASCII } from 'node:url';
import { commonPasswords } from '@accounts/common-passwords';
import { checkPasswordPolicy } from './password-policy';
import { domainToAscii } from './punycode';

describe('email', () => {
  test('normal form: NFKC, trimmed, lower-cased', () => {
    expect(normaliseEmail('  Ａda@Example.COM ')).toBe('ada@example.com');
  });

  test('one mailbox, one normal form: the domain in its punycode form, the local part NFKC and lower case', () => {
    const forms = ['ada@bücher.de', 'Ada@BÜCHER.de', 'ada@xn--bcher-kva.de', 'ＡＤＡ@bu\u0308cher.de'];
    expect(new Set(forms.map((form) => parseEmail(form)))).toEqual(new Set(['ada@xn--bcher-kva.de']));
  });

  test('property: the ASCII form of a domain is the one the WHATWG URL standard gives (RFC 3492)', () => {
    const label = fc.stringMatching(/^[a-z0-9äöüßéèñçøåæœłżźśćńąęğışαβγδлджкя中文字日本語한국]{1,20}$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 3 }), (labels) => {
        const domain = `${labels.join('.')}.com`;
        const expected = domainToASCII(domain);
        fc.pre(expected !== '');
        return domainToAscii(domain) === expected;
      }),
      { numRuns: 500 },
    );
  });

  test.each(['ada\u2800@example.com', '\u3164@example.com', 'ad\u034fa@example.com', 'ada@exa\u200bmple.com', 'a\u00a0da@example.com', 'ada\u202e@example.com', 'ada\ufeff@example.com', '\ud800ada@example.com'])(
    'refuses %j: invisible, control and ill-formed characters display as another address',
    (email) => {
      expect(() => parseEmail(email)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    },
  );

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
  const common = new Set(['password1', 'iloveyou']);
  const codeOf = (password: string) => {
    try {
      checkPasswordPolicy(password, 'a@example.com', common);
      return 'accepted';
    } catch (error) {
      return (error as DomainError).code;
    }
  };

  test('8 to 128 characters', () => {
    expect(() => checkPasswordPolicy('1234567', 'a@example.com', common)).toThrow(DomainError);
    expect(() => checkPasswordPolicy('1a2b3c4d', 'a@example.com', common)).not.toThrow();
    expect(() => checkPasswordPolicy('x'.repeat(128), 'a@example.com', common)).not.toThrow();
    expect(() => checkPasswordPolicy('x'.repeat(129), 'a@example.com', common)).toThrow(DomainError);
  });

  test('not the email, in any case', () => {
    expect(() => checkPasswordPolicy('Ada@Example.com', 'ada@example.com', common)).toThrow('must not be the email address');
  });

  test('not among the common passwords, in any case: password_too_common, without the password', () => {
    expect([codeOf('password1'), codeOf('PassWord1'), codeOf('iloveyou'), codeOf('password12')]).toEqual(['password_too_common', 'password_too_common', 'password_too_common', 'accepted']);
  });

  test('the shipped list: the 10,000 most common, lower-cased, the most common first', () => {
    expect(commonPasswords.size).toBe(10_000);
    for (const password of ['password', '12345678', 'qwertyuiop', 'iloveyou', 'sunshine']) expect(commonPasswords.has(password)).toBe(true);
    expect(commonPasswords.has('correct horse battery')).toBe(false);
    expect([...commonPasswords].every((password) => password === password.toLowerCase())).toBe(true);
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

  test('property: any separators at all between the digits, and digits before it, do not hide a card number', () => {
    const separator = fc.constantFrom('', ' ', '-', '.', '/', '_', '  ', ' - ', '\u200b', '\u00a0', '\u2800', '·', ',', '\t', '*');
    fc.assert(
      fc.property(
        fc.integer({ min: 12, max: 18 }).chain((length) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length })),
        fc.array(separator, { minLength: 19, maxLength: 19 }),
        fc.constantFrom('', 'ref ', '1234, ', '99 / ', 'n°7 '),
        fc.boolean(),
        (bodyDigits, separators, prefix, fullWidth) => {
          const body = bodyDigits.join('');
          const digits = body + luhnDigit(body);
          const formatted = [...digits].map((digit, i) => (i === 0 ? digit : separators[i]! + digit)).join('');
          const written = fullWidth ? formatted.replace(/\d/g, (digit) => String.fromCharCode(0xff10 + Number(digit))) : formatted;
          return containsCardNumber(prefix + written);
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
