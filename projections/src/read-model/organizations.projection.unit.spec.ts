import { randomUUID } from 'node:crypto';
import { eventStream } from '../testing/projected-events';
import { projectionSpecification } from '../testing/projection-specification';
import { type OrganizationRow, organizationsProjection } from './organizations.projection';

const spec = projectionSpecification(organizationsProjection);
const t0 = '2026-12-01T10:00:00.000Z';
const t1 = '2026-12-01T11:00:00.000Z';

function organization() {
  const organizationId = randomUUID();
  const ownerId = randomUUID();
  const stream = eventStream(`organization-${organizationId}`);
  const created = stream.event('OrganizationCreated', { organizationId, name: 'Acme', plan: 'free', ownerId, createdAt: t0 });
  const row: OrganizationRow = { id: organizationId, name: 'Acme', plan: 'free', owner_id: ownerId, member_count: 0, logo_url: null, payment_processor: null, payment_method_id: null, created_at: t0 };
  const joined = (userId = randomUUID()) => stream.event('MemberJoined', { organizationId, userId, role: 'member', joinedAt: t1 });
  return { organizationId, ownerId, stream, created, row, joined };
}

describe('organizations projection', () => {
  test('a creation makes a row with no members yet', () => {
    const acme = organization();
    spec.given().when(acme.created).then([acme.row]);
  });

  test('rename, plan, ownership, payment method and logo change their columns', () => {
    const acme = organization();
    const { organizationId } = acme;
    const newOwner = randomUUID();
    spec
      .given([acme.created])
      .when(
        acme.stream.event('OrganizationRenamed', { organizationId, name: 'Acme Rockets', renamedAt: t1 }),
        acme.stream.event('PlanChanged', { organizationId, plan: 'pro', changedAt: t1 }),
        acme.stream.event('OwnershipTransferred', { organizationId, fromUserId: acme.ownerId, toUserId: newOwner, transferredAt: t1 }),
        acme.stream.event('PaymentMethodSet', { organizationId, processor: 'stripe', paymentMethodId: 'enc:v1:sealed', setAt: t1 }),
        acme.stream.event('OrganizationLogoChanged', { organizationId, logoUrl: 'https://cdn.example/l.png', objectKey: 'logos/l.png', changedAt: t1 }),
      )
      .then([
        { ...acme.row, name: 'Acme Rockets', plan: 'pro', owner_id: newOwner, payment_processor: 'stripe', payment_method_id: 'enc:v1:sealed', logo_url: 'https://cdn.example/l.png' },
      ]);
  });

  test('members are counted as they join, leave and are removed', () => {
    const acme = organization();
    const [ann, bob, cy] = [randomUUID(), randomUUID(), randomUUID()];
    const { organizationId } = acme;
    spec
      .given([acme.created, acme.joined(ann), acme.joined(bob), acme.joined(cy)])
      .when(
        acme.stream.event('MemberLeft', { organizationId, userId: bob, leftAt: t1 }),
        acme.stream.event('MemberRemoved', { organizationId, userId: cy, byUserId: ann, reason: 'removed', removedAt: t1 }),
      )
      .then([{ ...acme.row, member_count: 1 }]);
  });

  test('a second creation of the same id changes nothing', () => {
    const acme = organization();
    const again = acme.stream.event('OrganizationCreated', { organizationId: acme.organizationId, name: 'Impostor', plan: 'pro', ownerId: randomUUID(), createdAt: t1 });
    spec.given([acme.created]).when(again).then([acme.row]);
  });

  test('changes to an organization never created make no row', () => {
    const acme = organization();
    spec.given().when(acme.stream.event('PlanChanged', { organizationId: acme.organizationId, plan: 'enterprise', changedAt: t1 }), acme.joined()).then([]);
  });

  test('a malformed event changes nothing (the decoder marked it undecodable)', () => {
    const acme = organization();
    spec
      .given([acme.created])
      .when(acme.stream.raw('PlanChanged', { organizationId: acme.organizationId, plan: 'platinum', changedAt: t1 }), acme.stream.raw('OrganizationRenamed', { organizationId: acme.organizationId, name: '' }))
      .then([acme.row]);
  });
});
