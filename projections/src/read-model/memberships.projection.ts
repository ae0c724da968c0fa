import type { Role } from '@accounts/domain';
import { aggregateIdOf } from '../runtime/projected-event';
import type { TableProjection } from './table-projection';

export interface MembershipRow {
  org_id: string;
  user_id: string;
  role: Role;
  joined_at: string;
}

export const membershipKey = (orgId: string, userId: string) => `${orgId}/${userId}`;

/** `memberships`: one row per member of an organization; the row goes when they leave or are removed. */
export const membershipsProjection: TableProjection<MembershipRow, 'MemberJoined' | 'MemberRoleChanged' | 'MemberRemoved' | 'MemberLeft'> = {
  canHandle: ['MemberJoined', 'MemberRoleChanged', 'MemberRemoved', 'MemberLeft'],
  keyOf: (event) => membershipKey(aggregateIdOf(event), event.data.userId.toLowerCase()),
  evolve(membership, event) {
    switch (event.type) {
      case 'MemberJoined':
        return membership ?? { org_id: aggregateIdOf(event), user_id: event.data.userId.toLowerCase(), role: event.data.role, joined_at: event.data.joinedAt };
      case 'MemberRoleChanged':
        return membership && { ...membership, role: event.data.role };
      case 'MemberRemoved':
      case 'MemberLeft':
        return undefined;
      default:
        return event satisfies never;
    }
  },
};
