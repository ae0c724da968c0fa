import type { FastifyInstance } from 'fastify';
import { type FieldError, ProblemError } from './problem';
import { sendProblem } from './problem-details.filter';

/** Limits every request's JSON body, query and path parameters are held to before any route sees them. */
export const INPUT_LIMITS = {
  /** Objects and arrays inside one another; our bodies are two levels deep at most. */
  depth: 16,
  /** Items in one array, and fields in one object. */
  items: 100,
  /** UTF-16 code units in one string (or one field name); no field of the API comes near it. */
  stringLength: 4096,
} as const;

/**
 * Refuses hostile input before any work is done (parsing aside): nesting deeper than the API ever needs (canonical
 * JSON for fingerprints and the codecs recurse), huge arrays and strings, and strings that are not well-formed
 * Unicode (lone UTF-16 surrogates) or hold NUL, both of which PostgreSQL refuses, so such a request would fail half-way. Walks the parsed
 * value with an explicit stack, so no depth of input can exhaust ours. 422 with a stable code; nothing is echoed.
 */
export function enforceInputLimits(fastify: FastifyInstance): void {
  // A callback hook: input within the limits (nearly all) passes without a promise or a turn of the microtask queue.
  fastify.addHook('preValidation', (request, reply, done) => {
    const problem = check('body', request.body) ?? check('query', request.query) ?? check('params', request.params);
    if (!problem) return done();
    void sendProblem(reply, problem);
  });
}

/** The first limit a value breaks, as a problem; undefined when it keeps them all. */
export function check(where: 'body' | 'query' | 'params', value: unknown): ProblemError | undefined {
  if (Buffer.isBuffer(value)) return undefined; // image bytes for the local object store's upload URLs
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { value: current, depth, path } = stack.pop()!;
    const field = path || `(${where})`;
    if (typeof current === 'string') {
      const problem = checkString(current, field);
      if (problem) return problem;
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= INPUT_LIMITS.depth) return tooComplex(field, `nested at most ${INPUT_LIMITS.depth} deep`);
    const entries = Array.isArray(current) ? current.map((item, index) => [String(index), item] as const) : Object.entries(current);
    if (entries.length > INPUT_LIMITS.items) return tooComplex(field, `at most ${INPUT_LIMITS.items} ${Array.isArray(current) ? 'items' : 'fields'}`);
    for (const [key, inner] of entries) {
      const keyProblem = Array.isArray(current) ? undefined : checkString(key, `${field} (a field name)`);
      if (keyProblem) return keyProblem;
      stack.push({ value: inner, depth: depth + 1, path: path ? `${path}.${safeName(key)}` : safeName(key) });
    }
  }
  return undefined;
}

/** With the u flag, a paired surrogate is one code point; only a lone one is of category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/** PostgreSQL's text and jsonb cannot hold U+0000, so no field of ours can: NUL is refused here, not as a 500 there. */
function checkString(text: string, field: string): ProblemError | undefined {
  if (text.length > INPUT_LIMITS.stringLength) return tooComplex(field, `at most ${INPUT_LIMITS.stringLength} characters`);
  if (LONE_SURROGATE.test(text)) return new ProblemError('validation_failed', 'Some fields are not well-formed Unicode.', [{ field, message: 'not well-formed Unicode (lone surrogate)' }]);
  if (text.includes('\u0000')) return new ProblemError('validation_failed', 'Some fields hold a NUL character.', [{ field, message: 'no NUL (U+0000) characters' }]);
  return undefined;
}

function tooComplex(field: string, message: string): ProblemError {
  const errors: FieldError[] = [{ field, message }];
  return new ProblemError('input_too_complex', 'The request is larger or deeper than any this API accepts.', errors);
}

/** Field names are echoed only when they look like identifiers: a hostile key could be an address or a token. */
function safeName(key: string): string {
  return /^[A-Za-z][A-Za-z0-9_]{0,63}$|^\d{1,6}$/.test(key) ? key : '(field)';
}
