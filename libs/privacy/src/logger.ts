import { isIP } from 'node:net';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino removes outright. Redaction by path is the first line of defence; `scrub` below is the second, for
 * values that turn up where no path was foreseen.
 */
export const REDACTED_PATHS = [
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'token',
  'tokenHash',
  'email',
  'ip',
  'paymentMethodId',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.passwordHash',
  '*.token',
  '*.tokenHash',
  '*.email',
  '*.ip',
  '*.paymentMethodId',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-session-token"]',
  'req.headers["x-forwarded-for"]',
  'req.ip',
  'req.remoteAddress',
  'req.body',
  'headers.authorization',
  'headers["x-session-token"]',
  'masterKey',
];

const EMAIL = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[a-z0-9-]{2,}/gi;
/** Candidates only; `isIP` decides, so times like 20:29:17 stay readable. */
const IP_CANDIDATE = /(?:\d{1,3}\.){3}\d{1,3}|[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}/gi;
const ARGON = /\$argon2[a-z]*\$[^\s"']+/gi;
const SEALED = /enc:v1:[A-Za-z0-9_-]+/g;
/** 32+ hex or base64url characters in a row: hashes, tokens, keys. UUIDs (ids) are left alone. */
const SECRET = /[A-Za-z0-9_-]{32,}/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Keys whose values are removed wherever they appear, however deep. */
const SENSITIVE_KEY = /^(password|currentpassword|newpassword|passwordhash|token|tokenhash|secret|authorization|cookie|x-session-token|x-forwarded-for|email|ip|remoteaddress|masterkey|apikey|paymentmethodid)$/i;

/**
 * Replaces anything that looks like personal data or a secret inside a string. Percent-encoded text (paths, query
 * strings: `?email=a%40b.com`) is decoded first, or an encoded address would pass every pattern below.
 */
export function scrubText(text: string): string {
  return urlDecoded(text)
    .replace(ARGON, '[redacted-hash]')
    .replace(SEALED, '[sealed]')
    .replace(EMAIL, '[redacted-email]')
    .replace(IP_CANDIDATE, (candidate) => (isIP(candidate) ? '[redacted-ip]' : candidate))
    .replace(SECRET, (candidate) => (UUID.test(candidate) ? candidate : '[redacted-secret]'));
}

/** `%40` as `@`, `+` as a space, repeatedly (double encoding); malformed escapes are left as they are. */
function urlDecoded(text: string): string {
  let current = text;
  for (let round = 0; round < 3 && /%[0-9a-f]{2}/i.test(current); round++) {
    const decoded = current.replace(/\+/g, ' ').replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run.replace(/%[0-9a-f]{2}/gi, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)));
      }
    });
    if (decoded === current) break;
    current = decoded;
  }
  return current;
}

/** Deep copy of a log object with every string scrubbed. */
export function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  // Class, message and stack: what an operator needs to find a bug. Scrubbed like any text, as a driver's message
  // may quote a value.
  if (value instanceof Error) return { type: value.name, message: scrubText(value.message), stack: value.stack && scrubText(value.stack) };
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key, SENSITIVE_KEY.test(key) ? '[redacted]' : scrub(inner, depth + 1)]),
  );
}

/** Marks a log object whose every field is safe by construction (see `safeFields`): the logger does not scrub it. */
const SAFE_FIELDS = Symbol('safe log fields');

/**
 * For lines written on every request (the request log): fields that are ids we made or checked, names from our own
 * configuration, route templates and numbers, never input. Scrubbing them is a deep copy and five regular
 * expressions per string, about 20 µs a line, as much as a session check's own work; the caller vouches instead.
 * Anything taken from the request that is not checked to be an id must go through `scrubText` first.
 */
export function safeFields<T extends Record<string, string | number | boolean | undefined>>(fields: T): T {
  (fields as Record<symbol, boolean>)[SAFE_FIELDS] = true;
  return fields;
}

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
  name?: string;
}

/** The service's structured logger: JSON lines, redacted by path, then scrubbed. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? 'accounts',
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { log: (object) => ((object as Record<symbol, unknown>)[SAFE_FIELDS] ? object : (scrub(object) as Record<string, unknown>)) },
      hooks: {
        logMethod(args, method) {
          // A line of safe fields has a fixed message too.
          if (typeof args[0] === 'object' && args[0] !== null && (args[0] as Record<symbol, unknown>)[SAFE_FIELDS]) return method.apply(this, args);
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}
