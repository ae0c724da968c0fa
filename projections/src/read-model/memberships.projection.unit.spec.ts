import { randomUUID } from 'node:crypto';
import { eventStream } from '../testing/projected-events';
import { projectionSpecification } from '../testing/projection-specification';
import { type MembershipRow, membershipsProjection } from './memberships.projection';

const spec = projectionSpecification(membershipsProjection);
const t0 = '2026-12-01T10:00:00.000Z';
const t1 = '2026-12-01T11:00:00.000Z';

function organization() {
  const organizationId = randomUUID();
  const stream = eventStream(`organization-${organizationId}`);
  const joined = (userId: string, role: 'owner' | 'admin' | 'member' = 'member', joinedAt = t0) => stream.event('MemberJoined', { organizationId, userId, role, joinedAt });
  const row = (userId: string, role: MembershipRow['role'] = 'member', joined_at = t0): MembershipRow => ({ org_id: organizationId, user_id: userId, role, joined_at });
  return { organizationId, stream, joined, row };
}

describe('memberships projection', () => {
  test('a join makes a row per member', () => {
    const acme = organization();
    const [ann, bob] = [randomUUID(), randomUUID()];
    spec.given().when(acme.joined(ann, 'owner'), acme.joined(bob)).then([acme.row(ann, 'owner'), acme.row(bob)]);
  });

  test('a role change changes the role, and only of that member', () => {
    const acme = organization();
    const [ann, bob] = [randomUUID(), randomUUID()];
    spec
      .given([acme.joined(ann, 'owner'), acme.joined(bob)])
      .when(acme.stream.event('MemberRoleChanged', { organizationId: acme.organizationId, userId: bob, role: 'admin', previousRole: 'member', changedAt: t1 }))
      .then([acme.row(ann, 'owner'), acme.row(bob, 'admin')]);
  });

  test('leaving or being removed (erased, too) takes the row away; joining again makes a new one', () => {
    const acme = organization();
    const { organizationId } = acme;
    const [ann, bob, cy] = [randomUUID(), randomUUID(), randomUUID()];
    spec
      .given([acme.joined(ann, 'owner'), acme.joined(bob), acme.joined(cy)])
      .when(
        acme.stream.event('MemberLeft', { organizationId, userId: bob, leftAt: t1 }),
        acme.stream.event('MemberRemoved', { organizationId, userId: cy, reason: 'erased', removedAt: t1 }),
        acme.joined(bob, 'admin', t1),
      )
      .then([acme.row(ann, 'owner'), acme.row(bob, 'admin', t1)]);
  });

  test('a member of two organizations has a row in each, and ids are compared lower-cased', () => {
    const [acme, initech] = [organization(), organization()];
    const ann = randomUUID();
    spec.given().when(acme.joined(ann), initech.joined(ann.toUpperCase())).then([acme.row(ann), initech.row(ann)]);
  });

  test('a role change for someone who is not a member makes no row', () => {
    const acme = organization();
    spec.given().when(acme.stream.event('MemberRoleChanged', { organizationId: acme.organizationId, userId: randomUUID(), role: 'admin', previousRole: 'member', changedAt: t1 })).then([]);
  });
});
