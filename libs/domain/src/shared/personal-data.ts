/**
 * Which event fields are personal data (or secrets), and whose: the infrastructure seals exactly these fields with
 * the subject's data key before an event is stored, and erasing the subject destroys that key (crypto-shredding).
 * Adding a personal field to an event means adding it here — and flagging it for security review.
 */
export interface PersonalDataSpec {
  /** The data field holding the id of the person (or organization) whose key seals the fields. */
  subjectField: string;
  fields: readonly string[];
  /**
   * Secrets among `fields`: opened only by the write side, which checks them (a password against its hash).
   * Projections receive them still sealed, so a read model that keeps one keeps it encrypted at rest.
   */
  secrets?: readonly string[];
}

export const PERSONAL_DATA: Readonly<Record<string, PersonalDataSpec>> = {
  UserRegistered: { subjectField: 'userId', fields: ['email', 'passwordHash'], secrets: ['passwordHash'] },
  UserEmailChanged: { subjectField: 'userId', fields: ['email'] },
  UserPasswordChanged: { subjectField: 'userId', fields: ['passwordHash'], secrets: ['passwordHash'] },
  UserLoggedIn: { subjectField: 'userId', fields: ['ip'] },
  // A mailed token's hash: only the write side, which compares a presented token with it, opens it.
  EmailVerificationIssued: { subjectField: 'userId', fields: ['tokenHash'], secrets: ['tokenHash'] },
  PasswordResetRequested: { subjectField: 'userId', fields: ['tokenHash'], secrets: ['tokenHash'] },
  // An invitee may not be a user: their address is sealed with the invitation's own key, destroyed once the
  // invitation has ended and its retention passed (or when the person is erased). The token's hash is a secret.
  InvitationCreated: { subjectField: 'invitationId', fields: ['email', 'emailHash', 'tokenHash'], secrets: ['tokenHash'] },
  InvitationResent: { subjectField: 'invitationId', fields: ['tokenHash'], secrets: ['tokenHash'] },
  // A payment method reference is not personal, but it is a credential-like secret of the organization.
  PaymentMethodSet: { subjectField: 'organizationId', fields: ['paymentMethodId'], secrets: ['paymentMethodId'] },
  // A webhook endpoint's signing secret: sealed with the endpoint's own key, opened by the write side and the deliveries.
  WebhookEndpointCreated: { subjectField: 'webhookId', fields: ['secret'], secrets: ['secret'] },
  WebhookSecretRotated: { subjectField: 'webhookId', fields: ['secret'], secrets: ['secret'] },
};

export function personalDataOf(eventType: string): PersonalDataSpec | undefined {
  return PERSONAL_DATA[eventType];
}
