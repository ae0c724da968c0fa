import { dictionary } from '@zxcvbn-ts/language-common';

/** How many of the most common passwords are refused (API.md: 422 `password_too_common`). */
export const COMMON_PASSWORD_COUNT = 10_000;

/**
 * The 10,000 most common passwords, from zxcvbn-ts's list (ranked by frequency in leaked password sets; maintained and
 * shipped as a package rather than typed by hand). Lower-cased, as the list is: `Password1` is `password1`.
 */
export const commonPasswords: ReadonlySet<string> = new Set(dictionary['passwords-common'].slice(0, COMMON_PASSWORD_COUNT));
