import { randomUUID } from 'node:crypto';
import { eventStream } from '../testing/projected-events';
import { projectionSpecification } from '../testing/projection-specification';
import { type InvitationRow, invitationsProjection } from './invitations.projection';

const spec = projectionSpecification(invitationsProjection);
const t0 = '2026-12-01T10:00:00.000Z';
const t1 = '2026-12-01T11:00:00.000Z';
const t2 = '2026-12-08T10:00:00.000Z';
const t3 = '2026-12-09T10:00:00.000Z';

function organization() {
  const organizationId = randomUUID();
  const inviter = randomUUID();
  const stream = eventStream(`organization-${organizationId}`);
  const created = (invitationId: string, email = 'ada@example.com') =>
    stream.event('InvitationCreated', {
      organizationId,
      invitationId,
      email,
      emailHash: 'enc:v1:sealed',
      role: 'admin',
      invitedBy: inviter,
      tokenId: randomUUID(),
      tokenHash: 'enc:v1:sealed',
      expiresAt: t2,
      createdAt: t0,
    });
  const row = (id: string, changes: Partial<InvitationRow> = {}): InvitationRow => ({
    id,
    org_id: organizationId,
    email: 'ada@example.com',
    role: 'admin',
    status: 'pending',
    invited_by: inviter,
    created_at: t0,
    expires_at: t2,
    ended_at: null,
    ...changes,
  });
  return { organizationId, stream, created, row };
}

describe('invitations projection', () => {
  test('an invitation makes a pending row, with the address as the event gave it (the projector seals it)', () => {
    const acme = organization();
    const id = randomUUID();
    spec.given().when(acme.created(id)).then([acme.row(id)]);
  });

  test('a shredded address (its key destroyed) is no address', () => {
    const acme = organization();
    const id = randomUUID();
    spec.given().when(acme.created(id, '[erased]')).then([acme.row(id, { email: null })]);
  });

  test('a resend moves the expiry; no other row changes', () => {
    const acme = organization();
    const [first, second] = [randomUUID(), randomUUID()];
    spec
      .given([acme.created(first), acme.created(second, 'bob@example.com')])
      .when(acme.stream.event('InvitationResent', { organizationId: acme.organizationId, invitationId: first, tokenId: randomUUID(), tokenHash: 'enc:v1:x', expiresAt: t3, resentAt: t1 }))
      .then([acme.row(first, { expires_at: t3 }), acme.row(second, { email: 'bob@example.com' })]);
  });

  test('revoked, accepted and expired end it with their time; the first end wins', () => {
    const acme = organization();
    const { organizationId } = acme;
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    spec
      .given([acme.created(a), acme.created(b), acme.created(c)])
      .when(
        acme.stream.event('InvitationRevoked', { organizationId, invitationId: a, byUserId: randomUUID(), revokedAt: t1 }),
        acme.stream.event('InvitationAccepted', { organizationId, invitationId: b, userId: randomUUID(), acceptedAt: t1 }),
        acme.stream.event('InvitationExpired', { organizationId, invitationId: c, expiredAt: t2 }),
        acme.stream.event('InvitationExpired', { organizationId, invitationId: a, expiredAt: t3 }),
      )
      .then([acme.row(a, { status: 'revoked', ended_at: t1 }), acme.row(b, { status: 'accepted', ended_at: t1 }), acme.row(c, { status: 'expired', ended_at: t2 })]);
  });

  test('an event about an invitation never seen created makes no row', () => {
    const acme = organization();
    spec.given().when(acme.stream.event('InvitationExpired', { organizationId: acme.organizationId, invitationId: randomUUID(), expiredAt: t2 })).then([]);
  });
});
