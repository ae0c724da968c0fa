import type { Actor } from '../shared/actor';
import { deciderSpecification } from '../testing/decider-specification';
import type { OrganizationCommand } from './organization-commands';
import type { OrganizationEvent } from './organization-events';
import { organizationDecider } from './organization-decider';

const spec = deciderSpecification(organizationDecider);
const organizationId = '7f8d9c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6';
const [billing, admin, member, outsider, invitee] = ['u-billing', 'u-admin', 'u-member', 'u-outsider', 'u-invitee'];
const invitationId = 'inv-1';
const now = '2026-11-24T10:00:00.000Z';
const inSevenDays = '2026-12-01T10:00:00.000Z';
const later = (hours: number) => new Date(Date.parse(now) + hours * 3_600_000).toISOString();
const address = 'ada@example.com';
const addressHash = 'hmac-of-address';
const token = { tokenId: 'tok-1', tokenHash: 'sha(tok-1)' };
const newToken = { tokenId: 'tok-2', tokenHash: 'sha(tok-2)' };

const by = (userId: string): Actor => ({ userId, isActive: true, mayManageUsers: false });
const joined = (userId: string, role: 'owner' | 'admin' | 'member'): OrganizationEvent => ({ type: 'MemberJoined', data: { organizationId, userId, role, joinedAt: now } });
const team: OrganizationEvent[] = [
  { type: 'OrganizationCreated', data: { organizationId, name: 'Acme', plan: 'free', ownerId: billing, createdAt: now } },
  joined(billing, 'owner'),
  joined(admin, 'admin'),
  joined(member, 'member'),
];

const invite = (actorId: string, role = 'member', extra: Partial<Extract<OrganizationCommand, { type: 'CreateInvitation' }>['data']> = {}): OrganizationCommand => ({
  type: 'CreateInvitation',
  data: { invitationId, email: ' Ada@Example.com ', emailHash: addressHash, role, token, addressHolderId: undefined, now, ...extra },
  actor: by(actorId),
});
const created = (role: 'owner' | 'admin' | 'member' = 'member', id = invitationId, expiresAt = inSevenDays): OrganizationEvent => ({
  type: 'InvitationCreated',
  data: { organizationId, invitationId: id, email: address, emailHash: addressHash, role, invitedBy: admin, ...token, expiresAt, createdAt: now },
});
const accept = (at = now, presented = token, verified = true, emailHash = addressHash, actorId = invitee): OrganizationCommand => ({
  type: 'AcceptInvitation',
  data: { tokenId: presented.tokenId, tokenHash: presented.tokenHash, actorEmailVerified: verified, actorEmailHash: emailHash, now: at },
  actor: by(actorId),
});
const resend = (actorId: string, at = now): OrganizationCommand => ({ type: 'ResendInvitation', data: { invitationId, token: newToken, now: at }, actor: by(actorId) });
const revoke = (actorId: string, id = invitationId): OrganizationCommand => ({ type: 'RevokeInvitation', data: { invitationId: id, now }, actor: by(actorId) });
const expire = (at: string): OrganizationCommand => ({ type: 'ExpireInvitation', data: { invitationId, now: at } });
const accepted: OrganizationEvent[] = [
  { type: 'InvitationAccepted', data: { organizationId, invitationId, userId: invitee, acceptedAt: now } },
  { type: 'MemberJoined', data: { organizationId, userId: invitee, role: 'member', joinedAt: now, invitationId } },
];
const revoked: OrganizationEvent = { type: 'InvitationRevoked', data: { organizationId, invitationId, byUserId: admin, revokedAt: now } };
const expired = (at = inSevenDays): OrganizationEvent => ({ type: 'InvitationExpired', data: { organizationId, invitationId, expiredAt: at } });

describe('invitations', () => {
  describe('CreateInvitation', () => {
    test('an admin invites a member: the normalised address, its keyed hash, the token issue, 7 days by default', () =>
      spec.given(team).when(invite(admin)).then([created()]));

    test('the validity is 1 to 720 whole hours', () => {
      spec.given(team).when(invite(admin, 'member', { expiresInHours: 720 })).then([created('member', invitationId, later(720))]);
      spec.given(team).when(invite(admin, 'member', { expiresInHours: 721 })).thenThrows('validation_failed');
      spec.given(team).when(invite(admin, 'member', { expiresInHours: 0 })).thenThrows('validation_failed');
      spec.given(team).when(invite(admin, 'member', { expiresInHours: 1.5 })).thenThrows('validation_failed');
    });

    test('who may invite whom is who may add whom: admins invite admins and members, only owners invite owners', () => {
      spec.given(team).when(invite(admin, 'admin')).then([{ ...created('admin') }]);
      spec.given(team).when(invite(admin, 'owner')).thenThrows('forbidden');
      spec.given(team).when(invite(billing, 'owner')).then([{ ...created('owner'), data: { ...created('owner').data, invitedBy: billing } } as OrganizationEvent]);
      spec.given(team).when(invite(member)).thenThrows('forbidden');
      spec.given(team).when(invite(outsider)).thenThrows('forbidden');
      spec.given(team).when({ ...invite(admin), actor: { ...by(admin), isActive: false } } as OrganizationCommand).thenThrows('user_not_found');
    });

    test('a bad address or role is refused, and the message repeats neither', () => {
      spec.given(team).when(invite(admin, 'member', { email: 'not an address' })).thenThrows('validation_failed', (error) => expect(error.message).not.toContain('not an address'));
      spec.given(team).when(invite(admin, 'superuser')).thenThrows('validation_failed');
    });

    test('an address held by a member: 409 already_member', () =>
      spec.given(team).when(invite(admin, 'member', { addressHolderId: member })).thenThrows('already_member'));

    test('an address held by a user who is not a member may be invited', () =>
      spec.given(team).when(invite(admin, 'member', { addressHolderId: outsider })).then([created()]));

    test('one pending invitation per address (by its keyed hash): 409 invitation_pending', () =>
      spec.given([...team, created()]).when(invite(admin, 'member', { invitationId: 'inv-2' })).thenThrows('invitation_pending'));

    test('once it ended (accepted, revoked, expired) the address may be invited again', () => {
      const again = invite(admin, 'member', { invitationId: 'inv-2' });
      const second = created('member', 'inv-2');
      spec.given([...team, created(), revoked]).when(again).then([second]);
      spec.given([...team, created(), expired()]).when(again).then([second]);
    });

    test('a pending invitation past its time does not block: it expires in the same decision', () =>
      spec
        .given([...team, created()])
        .when(invite(admin, 'member', { invitationId: 'inv-2', now: inSevenDays }))
        .then([expired(), { ...created('member', 'inv-2', later(2 * 168)), data: { ...created('member', 'inv-2', later(2 * 168)).data, createdAt: inSevenDays } } as OrganizationEvent]));

    test('on a missing organization', () => spec.given([]).when(invite(admin)).thenThrows('organization_not_found'));
  });

  describe('ResendInvitation', () => {
    test('a new token and 7 more days; the old token then matches nothing', () => {
      const at = later(24);
      spec.given([...team, created()]).when(resend(admin, at)).then([
        { type: 'InvitationResent', data: { organizationId, invitationId, ...newToken, expiresAt: later(24 + 168), resentAt: at } },
      ]);
      const resent: OrganizationEvent = { type: 'InvitationResent', data: { organizationId, invitationId, ...newToken, expiresAt: later(24 + 168), resentAt: at } };
      spec.given([...team, created(), resent]).when(accept(at)).thenThrows('invitation_not_found');
      spec.given([...team, created(), resent]).when(accept(at, newToken)).then([
        { type: 'InvitationAccepted', data: { organizationId, invitationId, userId: invitee, acceptedAt: at } },
        { type: 'MemberJoined', data: { organizationId, userId: invitee, role: 'member', joinedAt: at, invitationId } },
      ]);
    });

    test('only a pending invitation: 409 invitation_not_pending; an unknown one: 404', () => {
      spec.given([...team, created(), revoked]).when(resend(admin)).thenThrows('invitation_not_pending');
      spec.given([...team, created(), ...accepted]).when(resend(admin)).thenThrows('invitation_not_pending');
      spec.given([...team, created()]).when(resend(admin, inSevenDays)).thenThrows('invitation_not_pending');
      spec.given(team).when(resend(admin)).thenThrows('invitation_not_found');
    });

    test('the same role rules: members may not, admins may not touch an invitation to owner', () => {
      spec.given([...team, created()]).when(resend(member)).thenThrows('forbidden');
      spec.given(team).when(resend(member)).thenThrows('forbidden'); // not even learning whether it exists
      spec.given([...team, created('owner')]).when(resend(admin)).thenThrows('forbidden');
    });
  });

  describe('RevokeInvitation', () => {
    test('an admin revokes a pending invitation; its token is then refused as unknown (404)', () => {
      spec.given([...team, created()]).when(revoke(admin)).then([revoked]);
      spec.given([...team, created(), revoked]).when(accept()).thenThrows('invitation_not_found');
    });

    test('not twice, not after acceptance; an unknown one is 404; members may not', () => {
      spec.given([...team, created(), revoked]).when(revoke(admin)).thenThrows('invitation_not_pending');
      spec.given([...team, created(), ...accepted]).when(revoke(admin)).thenThrows('invitation_not_pending');
      spec.given(team).when(revoke(admin)).thenThrows('invitation_not_found');
      spec.given([...team, created()]).when(revoke(member)).thenThrows('forbidden');
      spec.given([...team, created('owner')]).when(revoke(admin)).thenThrows('forbidden');
    });
  });

  describe('AcceptInvitation', () => {
    test('the invitee with the verified invited address joins with the invited role, the membership naming the invitation', () =>
      spec.given([...team, created()]).when(accept()).then(accepted));

    test('a token is single-use: the second time it is 404', () =>
      spec.given([...team, created(), ...accepted]).when(accept()).thenThrows('invitation_not_found'));

    test('an unverified address, or another one: 409 email_mismatch', () => {
      spec.given([...team, created()]).when(accept(now, token, false)).thenThrows('email_mismatch');
      spec.given([...team, created()]).when(accept(now, token, true, 'h(bob@example.com)')).thenThrows('email_mismatch');
    });

    test('a shredded invitation (its key destroyed: the invitee was erased) matches nothing and can only end', () => {
      const shredded = { ...created(), data: { ...created().data, email: '[erased]', emailHash: '[erased]' } } as OrganizationEvent;
      spec.given([...team, shredded]).when(accept(now, token, true, '[erased]')).thenThrows('invitation_not_found');
      spec.given([...team, shredded]).when(resend(admin)).thenThrows('invitation_not_pending');
      spec.given([...team, shredded]).when(expire(now)).then([{ type: 'InvitationExpired', data: { organizationId, invitationId, expiredAt: now } }]);
    });

    test('past its time, or expired: 410 invitation_expired', () => {
      spec.given([...team, created()]).when(accept(inSevenDays)).thenThrows('invitation_expired');
      spec.given([...team, created(), expired()]).when(accept(later(1))).thenThrows('invitation_expired');
    });

    test('an unknown token id, or a hash that does not match: 404', () => {
      spec.given([...team, created()]).when(accept(now, { tokenId: 'tok-x', tokenHash: 'x' })).thenThrows('invitation_not_found');
      spec.given([...team, created()]).when(accept(now, { tokenId: token.tokenId, tokenHash: 'forged' })).thenThrows('invitation_not_found');
    });

    test('a member already: 409 already_member', () =>
      spec.given([...team, created()]).when(accept(now, token, true, addressHash, member)).thenThrows('already_member'));

    test('an erased actor accepts nothing', () =>
      spec.given([...team, created()]).when({ ...accept(), actor: { ...by(invitee), isActive: false } } as OrganizationCommand).thenThrows('user_not_found'));
  });

  describe('ExpireInvitation (the schedule)', () => {
    test('a pending invitation that is due expires; before its time nothing happens', () => {
      spec.given([...team, created()]).when(expire(inSevenDays)).then([expired()]);
      spec.given([...team, created()]).when(expire(later(167))).then([]);
    });

    test('after a resend it is due later; ended ones, and a second run, do nothing', () => {
      const resent: OrganizationEvent = { type: 'InvitationResent', data: { organizationId, invitationId, ...newToken, expiresAt: later(200), resentAt: later(32) } };
      spec.given([...team, created(), resent]).when(expire(inSevenDays)).then([]);
      spec.given([...team, created(), expired()]).when(expire(later(500))).then([]);
      spec.given([...team, created(), revoked]).when(expire(later(500))).then([]);
      spec.given([...team, created(), ...accepted]).when(expire(later(500))).then([]);
      spec.given(team).when(expire(later(500))).then([]);
    });
  });

  test('the state keeps no address, and no hash once an invitation has ended', () => {
    const pending = organizationDecider.fold(organizationDecider.initialState(), [...team, created()]);
    expect(JSON.stringify(pending)).not.toContain(address);
    const ended = organizationDecider.fold(organizationDecider.initialState(), [...team, created(), ...accepted]);
    expect(JSON.stringify(ended)).not.toContain(addressHash);
    expect(JSON.stringify(ended)).not.toContain(token.tokenHash);
  });
});
