import type { Plan, Role } from '../shared/organization-values';
import type { OrganizationEvent } from './organization-events';
import { applyInvitationEvent, type InvitationEntry, type Invitations, isInvitationEvent } from './invitation-state';

export type OrganizationState =
  | { status: 'none' }
  | {
      status: 'active';
      organizationId: string;
      name: string;
      plan: Plan;
      /** The billing owner (`owner_id`). */
      ownerId: string;
      members: Members;
      logoUrl: string | undefined;
      paymentMethod: { processor: string; paymentMethodId: string } | undefined;
      /** Invitations by id, ended ones included (invitation-state.ts). */
      invitations: Invitations;
    };

export const initialOrganizationState = (): OrganizationState => ({ status: 'none' });

export interface Member {
  role: Role;
  joinedAt: string;
}

/**
 * The members, spread over MEMBER_BUCKETS buckets by a hash of their id, and their number. A fold changes a copy of
 * the bucket list and of the buckets it touches, never the buckets it was given: a command adding one member to an
 * organization of 50,000 copies one bucket of about 200 (copying one map of every member made such a command 6.4
 * times slower than on a new organization). Plain data, so a snapshot holds it as JSON; read it through `memberOf`,
 * `memberCount`, `membersOf`.
 */
export interface Members {
  readonly count: number;
  readonly buckets: readonly Readonly<Record<string, Member>>[];
}

const MEMBER_BUCKETS = 256;
const EMPTY_BUCKET: Readonly<Record<string, Member>> = Object.freeze({});

/** FNV-1a of the id: spreads any id format (uuid v4, v7, derived) evenly, the same in every process. */
function bucketOf(userId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) hash = Math.imul(hash ^ userId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % MEMBER_BUCKETS;
}

const noMembers = (): Members => ({ count: 0, buckets: new Array<Readonly<Record<string, Member>>>(MEMBER_BUCKETS).fill(EMPTY_BUCKET) });

type ActiveOrganizationState = Extract<OrganizationState, { status: 'active' }>;

export function memberOf(state: ActiveOrganizationState, userId: string): Member | undefined {
  return state.members.buckets[bucketOf(userId)]![userId];
}

export function memberCount(state: ActiveOrganizationState): number {
  return state.members.count;
}

/** Every member by id: a walk of the whole membership, for views of it (audit), never for a command's rules. */
export function membersOf(state: ActiveOrganizationState): Record<string, Member> {
  return Object.assign({}, ...state.members.buckets) as Record<string, Member>;
}

/**
 * The fold's own copy of the members: the bucket list is copied once per fold, and a bucket the first time the fold
 * changes it (copy on first write); later events change the copies in place. What the fold was given stays as it was.
 */
class MembersDraft {
  private readonly buckets: Record<string, Member>[];
  private readonly owned = new Set<Readonly<Record<string, Member>>>();
  count: number;

  constructor(members: Members) {
    this.buckets = members.buckets.slice() as Record<string, Member>[];
    this.count = members.count;
  }

  get(userId: string): Member | undefined {
    return this.buckets[bucketOf(userId)]![userId];
  }

  /** A member's entry is replaced, never changed in place: entries are shared with the state the fold started from. */
  set(userId: string, member: Member): void {
    const bucket = this.writable(bucketOf(userId));
    if (!(userId in bucket)) this.count++;
    bucket[userId] = member;
  }

  delete(userId: string): void {
    const index = bucketOf(userId);
    if (!(userId in this.buckets[index]!)) return;
    delete this.writable(index)[userId];
    this.count--;
  }

  members(): Members {
    return { count: this.count, buckets: this.buckets };
  }

  private writable(index: number): Record<string, Member> {
    let bucket = this.buckets[index]!;
    if (!this.owned.has(bucket)) {
      bucket = { ...bucket };
      this.buckets[index] = bucket;
      this.owned.add(bucket);
    }
    return bucket;
  }
}

/**
 * Folds events into a state, linear in their number and in what they change: the fold takes one shallow copy of the
 * state and a draft of its members (see MembersDraft), and changes those in place. The state passed in is never
 * changed.
 */
export function foldOrganization(state: OrganizationState, events: readonly OrganizationEvent[]): OrganizationState {
  let draft = state.status === 'active' ? { ...state, invitations: { ...state.invitations } } : state;
  let members = state.status === 'active' ? new MembersDraft(state.members) : undefined;
  for (const event of events) {
    if (event.type === 'OrganizationCreated') members = new MembersDraft(noMembers());
    draft = applyOrganizationEvent(draft, event, members);
  }
  if (draft.status === 'active' && members) draft.members = members.members();
  return draft;
}

export function evolveOrganization(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  return foldOrganization(state, [event]);
}

/** One event applied to the fold's own copy (see foldOrganization), its members to the fold's draft of them. */
function applyOrganizationEvent(state: OrganizationState, event: OrganizationEvent, members: MembersDraft | undefined): OrganizationState {
  if (event.type === 'OrganizationCreated') {
    const { organizationId, name, plan, ownerId } = event.data;
    return { status: 'active', organizationId, name, plan, ownerId, members: noMembers(), logoUrl: undefined, paymentMethod: undefined, invitations: {} };
  }
  if (state.status !== 'active' || !members) return state;
  if (isInvitationEvent(event)) {
    // Entries are replaced, never changed in place, so the fold's shallow copy of the map is enough.
    applyInvitationEvent(state.invitations as Record<string, InvitationEntry>, event);
    return state;
  }
  switch (event.type) {
    case 'OrganizationRenamed':
      state.name = event.data.name;
      break;
    case 'PlanChanged':
      state.plan = event.data.plan;
      break;
    case 'OwnershipTransferred':
      state.ownerId = event.data.toUserId;
      break;
    case 'PaymentMethodSet':
      state.paymentMethod = { processor: event.data.processor, paymentMethodId: event.data.paymentMethodId };
      break;
    case 'OrganizationLogoChanged':
      state.logoUrl = event.data.logoUrl;
      break;
    case 'MemberJoined':
      members.set(event.data.userId, { role: event.data.role, joinedAt: event.data.joinedAt });
      break;
    case 'MemberRoleChanged': {
      const member = members.get(event.data.userId);
      if (member) members.set(event.data.userId, { ...member, role: event.data.role });
      break;
    }
    case 'MemberRemoved':
    case 'MemberLeft':
      members.delete(event.data.userId);
      break;
  }
  return state;
}

/** How many owners: a walk of the whole membership, so only asked when an owner's role is about to end. */
export function ownerCount(state: ActiveOrganizationState): number {
  let owners = 0;
  for (const bucket of state.members.buckets) for (const id in bucket) if (bucket[id]!.role === 'owner') owners++;
  return owners;
}
