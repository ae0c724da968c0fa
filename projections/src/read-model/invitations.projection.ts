import type { InvitationStatus, Role } from '@accounts/domain';
import { ERASED_VALUE } from '@accounts/privacy';
import type { TableProjection } from './table-projection';

export interface InvitationRow {
  id: string;
  org_id: string;
  /**
   * The invited address. The table holds it sealed with the invitation's own key (the projector seals it as it writes,
   * and queries open it), so it is never a plain column and goes when that key is destroyed. Here, as the event gave
   * it: opened, or null once erased.
   */
  email: string | null;
  role: Role;
  status: InvitationStatus;
  invited_by: string;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
}

type InvitationTableEvent = 'InvitationCreated' | 'InvitationResent' | 'InvitationRevoked' | 'InvitationAccepted' | 'InvitationExpired';

/** `invitations`: one row per invitation, ended ones included (the list filters by status). */
export const invitationsProjection: TableProjection<InvitationRow, InvitationTableEvent> = {
  canHandle: ['InvitationCreated', 'InvitationResent', 'InvitationRevoked', 'InvitationAccepted', 'InvitationExpired'],
  keyOf: (event) => event.data.invitationId.toLowerCase(),
  evolve(row, event) {
    if (event.type === 'InvitationCreated') {
      const { organizationId, invitationId, email, role, invitedBy, expiresAt, createdAt } = event.data;
      return row ?? {
        id: invitationId.toLowerCase(),
        org_id: organizationId.toLowerCase(),
        email: email === ERASED_VALUE ? null : email,
        role,
        status: 'pending',
        invited_by: invitedBy.toLowerCase(),
        created_at: createdAt,
        expires_at: expiresAt,
        ended_at: null,
      };
    }
    if (!row) return undefined; // a change to an invitation this table never saw created
    switch (event.type) {
      case 'InvitationResent':
        return row.status === 'pending' ? { ...row, expires_at: event.data.expiresAt } : row;
      case 'InvitationRevoked':
        return ended(row, 'revoked', event.data.revokedAt);
      case 'InvitationAccepted':
        return ended(row, 'accepted', event.data.acceptedAt);
      case 'InvitationExpired':
        return ended(row, 'expired', event.data.expiredAt);
      default:
        return event satisfies never;
    }
  },
};

/** An invitation ends once: the first end wins (the decider never decides a second). */
const ended = (row: InvitationRow, status: InvitationStatus, at: string): InvitationRow => (row.status === 'pending' ? { ...row, status, ended_at: at } : row);
