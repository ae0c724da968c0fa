import type { Role } from '../shared/organization-values';
import type { OrganizationEvent } from './organization-events';

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

/**
 * An invitation as the organization's rules see it: ids, role, times, and only while it is pending the two hashes it
 * is matched by. No address: "one pending invitation per address" compares `emailHash`, a keyed hash of the
 * normalised address (so neither the state nor a snapshot of it holds the invitee's address, which is sealed with
 * the invitation's own key in the events).
 */
export interface InvitationEntry {
  status: InvitationStatus;
  role: Role;
  /** The current token's issue; an earlier one (before a resend) matches nothing. */
  tokenId: string;
  expiresAt: string;
  /** While pending: the current token's hash, which a presented token must match. */
  tokenHash?: string;
  /** While pending: the keyed hash of the invited address. */
  emailHash?: string;
}

export type Invitations = Readonly<Record<string, InvitationEntry>>;

type InvitationEvent = Extract<OrganizationEvent, { type: `Invitation${string}` }>;

export function isInvitationEvent(event: OrganizationEvent): event is InvitationEvent {
  return event.type.startsWith('Invitation');
}

/**
 * Applies an invitation event to the fold's own copy of the invitations (see foldOrganization): an entry is replaced,
 * never changed, since entries are shared with the state the fold started from.
 */
export function applyInvitationEvent(invitations: Record<string, InvitationEntry>, event: InvitationEvent): void {
  const { invitationId } = event.data;
  const entry = invitations[invitationId];
  switch (event.type) {
    case 'InvitationCreated': {
      const { role, tokenId, tokenHash, emailHash, expiresAt } = event.data;
      invitations[invitationId] = { status: 'pending', role, tokenId, tokenHash, emailHash, expiresAt };
      break;
    }
    case 'InvitationResent':
      if (entry) invitations[invitationId] = { ...entry, tokenId: event.data.tokenId, tokenHash: event.data.tokenHash, expiresAt: event.data.expiresAt };
      break;
    case 'InvitationRevoked':
      if (entry) invitations[invitationId] = ended(entry, 'revoked');
      break;
    case 'InvitationAccepted':
      if (entry) invitations[invitationId] = ended(entry, 'accepted');
      break;
    case 'InvitationExpired':
      if (entry) invitations[invitationId] = ended(entry, 'expired');
      break;
  }
}

/** An ended invitation keeps no hash: nothing can match it any more but its token id (an expired token is told apart). */
const ended = (entry: InvitationEntry, status: InvitationStatus): InvitationEntry => ({ status, role: entry.role, tokenId: entry.tokenId, expiresAt: entry.expiresAt });
