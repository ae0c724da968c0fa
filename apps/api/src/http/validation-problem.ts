import type { StandardSchemaV1 } from '@standard-schema/spec';
import { type FieldError, ProblemError } from './problem';

const SAFE_FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * Turns schema issues into a 422 `validation_failed` problem. Field names and messages are safe to return: messages
 * never quote the value, and a field name the caller invented is only echoed when it looks like an identifier (a
 * hostile key could be an email address or a token).
 */
export function validationProblem(issues: readonly StandardSchemaV1.Issue[]): ProblemError {
  const errors = issues.flatMap((issue): FieldError[] => {
    const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment));
    const field = path.every((segment) => SAFE_FIELD_NAME.test(segment) || /^\d+$/.test(segment)) ? path.join('.') : '(field)';
    const unknownKeys = (issue as { code?: string; keys?: string[] }).code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys ?? [] : undefined;
    if (unknownKeys) {
      return unknownKeys.map((key) => ({
        field: SAFE_FIELD_NAME.test(key) ? [...path, key].join('.') : [...path, '(unknown field)'].join('.'),
        message: 'unknown field',
      }));
    }
    return [{ field: field || '(body)', message: issue.message }];
  });
  return new ProblemError('validation_failed', 'Some fields are missing or invalid.', errors);
}
