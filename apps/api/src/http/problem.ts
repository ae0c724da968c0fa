/**
 * The service's error vocabulary. Every error a caller can see has a stable snake_case `code`; this table is the one
 * place that maps a code to its HTTP status, so a domain rule never has to know about HTTP.
 */
export const STATUS_BY_CODE = {
  malformed_request: 400,
  token_invalid: 400,
  missing_idempotency_key: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  session_invalid: 401,
  forbidden: 403,
  not_found: 404,
  user_not_found: 404,
  organization_not_found: 404,
  projection_not_found: 404,
  invitation_not_found: 404,
  webhook_not_found: 404,
  method_not_allowed: 405,
  email_taken: 409,
  already_member: 409,
  not_a_member: 409,
  last_owner: 409,
  billing_owner_protected: 409,
  owner_must_transfer: 409,
  concurrency_conflict: 409,
  idempotency_key_in_flight: 409,
  invitation_pending: 409,
  invitation_not_pending: 409,
  email_mismatch: 409,
  invitation_expired: 410,
  idempotent_response_erased: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  input_too_complex: 422,
  idempotency_key_reused: 422,
  raw_card_data_rejected: 422,
  password_too_common: 422,
  upload_missing: 422,
  upload_type_not_allowed: 422,
  upload_too_large: 422,
  upload_not_yours: 422,
  upload_mismatch: 422,
  webhook_target_refused: 422,
  upload_url_expired: 403,
  upload_url_invalid: 403,
  rate_limited: 429,
  too_many_attempts: 429,
  internal_error: 500,
  service_unavailable: 503,
  projection_lagging: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof STATUS_BY_CODE;

export interface FieldError {
  /** JSON pointer-ish path of the field, e.g. `email` or `members.0.role`. */
  field: string;
  message: string;
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: FieldError[];
}

const TITLES: Partial<Record<ErrorCode, string>> = {
  validation_failed: 'The request is not valid',
  internal_error: 'Something went wrong on our side',
};

/** An error meant for the caller: its message is safe to show (no personal data, no secret, no stack). */
export class ProblemError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    /** Sent as `Retry-After` (429, 503): when the caller may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.name = 'ProblemError';
  }

  get status(): number {
    return STATUS_BY_CODE[this.code];
  }
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(STATUS_BY_CODE, code);
}

export function problemDocument(code: ErrorCode, detail: string, errors?: FieldError[]): ProblemDocument {
  const title = TITLES[code] ?? code.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
  return {
    type: `https://errors.accounts.internal/${code.replace(/_/g, '-')}`,
    title,
    status: STATUS_BY_CODE[code],
    code,
    detail,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}
