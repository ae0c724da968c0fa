import type { OrganizationState, UserState } from '@accounts/domain';
import { ORGANIZATION_STREAM_PREFIX, USER_STREAM_PREFIX } from '@accounts/streams';
import type { SnapshotPolicy } from './aggregate-store';

/**
 * Users: a snapshot every 100 events, so a command reads at most about 100 events however long the history. The
 * state stays small because ended and expired sessions are pruned from it (libs/domain user-state).
 * Version 2: UserState with emailVerified and its pending tokens. Bump it with any change to UserState's shape.
 */
const users: SnapshotPolicy<UserState> = {
  version: 2,
  every: 100,
  subjectOf: (state) => (state.status === 'active' ? state.userId : undefined),
};

/**
 * Organizations: a snapshot every 1,000 events. Their state grows with their members (an organization of 50,000
 * members is a few MB of JSON), so snapshots are rarer; between commands the in-process cache serves them anyway.
 * Version 2: the members in hash buckets with their count (libs/domain organization-state), not one map.
 * Version 3: with `invitations`.
 */
const organizations: SnapshotPolicy<OrganizationState> = {
  version: 3,
  every: 1_000,
  subjectOf: (state) => (state.status === 'active' ? state.organizationId : undefined),
};

/** Which streams are snapshotted, and how. Email reservations are not: their streams stay a few events long. */
export function snapshotPolicyFor(streamName: string): SnapshotPolicy | undefined {
  if (streamName.startsWith(USER_STREAM_PREFIX)) return users as SnapshotPolicy;
  if (streamName.startsWith(ORGANIZATION_STREAM_PREFIX)) return organizations as SnapshotPolicy;
  return undefined;
}
