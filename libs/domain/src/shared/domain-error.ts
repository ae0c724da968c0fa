/** The stable codes of rule violations. The HTTP layer maps each to a status; the domain knows nothing of HTTP. */
export type DomainErrorCode =
  | 'validation_failed'
  | 'email_taken'
  | 'invalid_credentials'
  | 'session_invalid'
  | 'user_not_found'
  | 'organization_not_found'
  | 'forbidden'
  | 'last_owner'
  | 'billing_owner_protected'
  | 'not_a_member'
  | 'already_member'
  | 'owner_must_transfer'
  | 'raw_card_data_rejected'
  | 'password_too_common'
  | 'invitation_pending'
  | 'invitation_not_pending'
  | 'invitation_not_found'
  | 'invitation_expired'
  | 'email_mismatch'
  | 'token_invalid'
  | 'webhook_not_found'
  | 'webhook_target_refused';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * A rule said no. Its message is written for callers and never contains personal data or secrets: it names the
 * rule, not the value.
 */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly fieldErrors?: FieldError[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (field: string, message: string) => new DomainError('validation_failed', `${field} is invalid: ${message}.`, [{ field, message }]);
