import type { ProjectedEvent } from '../runtime/projected-event';
import { ORGANIZATION_STREAM_PREFIX, USER_STREAM_PREFIX } from '../../../libs/streams/src';

export interface UserRow {
  id: string;
  email: string | null;
  password_hash: string | null;
  created_at: string;
  last_login_at: string | null;
  avatar_url: string | null;
  erased_at: string | null;
}

export interface OrganizationRow {
  id: string;
  name: string;
  plan: string;
  owner_id: string;
  member_count: number;
  logo_url: string | null;
  payment_processor: string | null;
  payment_method_id: string | null;
  created_at: string;
}

export interface MembershipRow {
  org_id: string;
  user_id: string;
  role: string;
  joined_at: string;
}

/** Thrown for an event without a field the projector needs; the sink parks the event. Names the field, not data. */
export class MalformedEventError extends Error {
  constructor(type: string, field: string) {
    super(`${type} lacks ${field}`);
    this.name = 'MalformedEventError';
  }
}

export const membershipKey = (orgId: string, userId: string) => `${orgId}/${userId}`;

/**
 * The rows a batch touches, loaded once, changed in memory event by event, then written back in a few set-based
 * statements: the same result as applying each event on its own, at a fraction of the round trips. `undefined`
 * in a map means "no such row".
 */
export class ReadModelFold {
  readonly users = new Map<string, UserRow | undefined>();
  readonly organizations = new Map<string, OrganizationRow | undefined>();
  readonly memberships = new Map<string, MembershipRow | undefined>();

  /** The ids and keys a batch will need, to load them in one query per table. */
  static keysOf(events: ProjectedEvent[]) {
    const users = new Set<string>();
    const organizations = new Set<string>();
    const memberships = new Set<string>();
    for (const event of events) {
      const id = streamId(event);
      if (event.streamName.startsWith(USER_STREAM_PREFIX)) users.add(id);
      if (event.streamName.startsWith(ORGANIZATION_STREAM_PREFIX)) {
        organizations.add(id);
        if (typeof event.data.userId === 'string') memberships.add(membershipKey(id, event.data.userId));
      }
    }
    return { users, organizations, memberships };
  }

  apply(event: ProjectedEvent): void {
    const id = streamId(event);
    const at = event.metadata.occurredAt;
    const text = (field: string) => (typeof event.data[field] === 'string' ? (event.data[field] as string) : undefined);
    const required = (field: string) => {
      const value = text(field);
      if (value === undefined) throw new MalformedEventError(event.type, field);
      return value;
    };
    const user = this.users.get(id);
    const organization = this.organizations.get(id);
    switch (event.type) {
      case 'UserRegistered':
        this.users.set(id, {
          ...(user ?? { id, created_at: text('registeredAt') ?? at, last_login_at: null, avatar_url: null, erased_at: null }),
          email: text('email') ?? null,
          password_hash: text('passwordHash') ?? null,
        });
        return;
      case 'UserEmailChanged':
        if (user) this.users.set(id, { ...user, email: text('email') ?? null });
        return;
      case 'UserPasswordChanged':
        if (user) this.users.set(id, { ...user, password_hash: text('passwordHash') ?? null });
        return;
      case 'UserLoggedIn': {
        const loggedIn = text('at') ?? at;
        if (user) this.users.set(id, { ...user, last_login_at: latest(user.last_login_at, loggedIn) });
        return;
      }
      case 'UserAvatarChanged':
        if (user) this.users.set(id, { ...user, avatar_url: text('avatarUrl') ?? null });
        return;
      case 'UserErased':
        // The row stays (ids are not personal data, history refers to them); its personal data goes.
        if (user) this.users.set(id, { ...user, email: null, password_hash: null, avatar_url: null, erased_at: at });
        return;
      case 'OrganizationCreated': {
        const created: OrganizationRow = {
          id,
          name: required('name'),
          plan: text('plan') ?? 'free',
          owner_id: required('ownerId'),
          member_count: 0,
          logo_url: null,
          payment_processor: null,
          payment_method_id: null,
          created_at: at,
        };
        if (!organization) this.organizations.set(id, created);
        return;
      }
      case 'OrganizationRenamed':
        if (organization) this.organizations.set(id, { ...organization, name: required('name') });
        return;
      case 'PlanChanged':
        if (organization) this.organizations.set(id, { ...organization, plan: required('plan') });
        return;
      case 'OwnershipTransferred':
        if (organization) this.organizations.set(id, { ...organization, owner_id: required('toUserId') });
        return;
      case 'PaymentMethodSet':
        if (organization) this.organizations.set(id, { ...organization, payment_processor: required('processor'), payment_method_id: required('paymentMethodId') });
        return;
      case 'OrganizationLogoChanged':
        if (organization) this.organizations.set(id, { ...organization, logo_url: text('logoUrl') ?? null });
        return;
      case 'MemberJoined': {
        const key = membershipKey(id, required('userId'));
        const role = required('role');
        if (this.memberships.get(key)) return;
        this.memberships.set(key, { org_id: id, user_id: required('userId'), role, joined_at: text('joinedAt') ?? at });
        if (organization) this.organizations.set(id, { ...organization, member_count: organization.member_count + 1 });
        return;
      }
      case 'MemberRoleChanged': {
        const key = membershipKey(id, required('userId'));
        const membership = this.memberships.get(key);
        if (membership) this.memberships.set(key, { ...membership, role: required('role') });
        return;
      }
      case 'MemberRemoved':
      case 'MemberLeft': {
        const key = membershipKey(id, required('userId'));
        if (!this.memberships.get(key)) return;
        this.memberships.set(key, undefined);
        if (organization) this.organizations.set(id, { ...organization, member_count: organization.member_count - 1 });
        return;
      }
      default:
        return; // events the read model does not show (sessions, reservations, audit reads)
    }
  }
}

function streamId(event: ProjectedEvent): string {
  return event.streamName.slice(event.streamName.indexOf('-') + 1);
}

function latest(a: string | null, b: string): string {
  return a && Date.parse(a) > Date.parse(b) ? a : b;
}
