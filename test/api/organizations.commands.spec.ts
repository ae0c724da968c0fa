import { randomUUID } from 'node:crypto';
import { memberOf, organizationDecider, type OrganizationEvent } from '@accounts/domain';
import { formatPosition } from '@accounts/event-store';
import { dropTemplate } from '../support/postgres';
import { createTestApp, createTwoProcesses, EVENT_STORES, type TestApp } from '../support/app';

describe.each(EVENT_STORES)('organization and membership commands over HTTP (%s)', (eventStore) => {
  jest.setTimeout(120_000);
  let t: TestApp;
  let seq = 0;
  beforeAll(async () => {
    t = await createTestApp({ redisDb: 13, eventStore });
  });
  afterAll(async () => {
    await t.close();
    await dropTemplate();
  });

  async function user(): Promise<string> {
    const response = await t.request('POST', '/v1/users', { body: { email: `person${++seq}-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery' } });
    expect(response.status).toBe(201);
    return response.body.id as string;
  }
  const as = (actorId: string) => ({ 'x-actor-id': actorId });

  async function organizationWith() {
    const [owner, admin, member, outsider] = await Promise.all([user(), user(), user(), user()]);
    const created = await t.request('POST', '/v1/organizations', { body: { name: 'Acme', plan: 'pro' }, headers: as(owner) });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await t.request('POST', `/v1/organizations/${id}/members`, { body: { userId: admin, role: 'admin' }, headers: as(owner) })).status).toBe(201);
    expect((await t.request('POST', `/v1/organizations/${id}/members`, { body: { userId: member, role: 'member' }, headers: as(admin) })).status).toBe(201);
    return { id, owner, admin, member, outsider };
  }

  test('create: 201 with the actor as billing owner; X-Actor-Id is required', async () => {
    const owner = await user();
    const created = await t.request('POST', '/v1/organizations', { body: { name: '  Acme  ' }, headers: as(owner) });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), name: 'Acme', plan: 'free', ownerId: owner });
    expect(created.headers['x-event-position']).toBeDefined();
    const noActor = await t.request('POST', '/v1/organizations', { body: { name: 'Acme' } });
    expect(noActor.status).toBe(422);
    expect(noActor.body.errors).toEqual([{ field: 'X-Actor-Id', message: expect.any(String) }]);
    const ghost = await t.request('POST', '/v1/organizations', { body: { name: 'Acme' }, headers: as(randomUUID()) });
    expect(ghost.body.code).toBe('user_not_found');
  });

  test('ids are case-insensitive: an upper-case organization id reaches the same organization', async () => {
    const { id, owner, outsider } = await organizationWith();
    const renamed = await t.request('PATCH', `/v1/organizations/${id.toUpperCase()}`, { body: { name: 'Acme Upper' }, headers: as(owner) });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id, name: 'Acme Upper', memberCount: 3 });
    const joined = await t.request('POST', `/v1/organizations/${id.toUpperCase()}/members`, { body: { userId: outsider.toUpperCase(), role: 'member' }, headers: as(owner) });
    expect(joined.status).toBe(201);
    expect(joined.body).toMatchObject({ organizationId: id, userId: outsider, role: 'member' });
  });

  test('each rule answers with its code', async () => {
    const { id, owner, admin, member, outsider } = await organizationWith();
    const cases: [string, string, unknown, string, number, string?][] = [
      ['POST', `/v1/organizations/${id}/members`, { userId: member, role: 'member' }, owner, 409, 'already_member'],
      ['POST', `/v1/organizations/${id}/members`, { userId: randomUUID(), role: 'member' }, owner, 404, 'user_not_found'],
      ['POST', `/v1/organizations/${id}/members`, { userId: outsider, role: 'owner' }, admin, 403, 'forbidden'],
      ['POST', `/v1/organizations/${id}/members`, { userId: outsider, role: 'member' }, member, 403, 'forbidden'],
      ['PATCH', `/v1/organizations/${id}/members/${outsider}`, { role: 'admin' }, owner, 409, 'not_a_member'],
      ['PATCH', `/v1/organizations/${id}/members/${owner}`, { role: 'admin' }, owner, 409, 'billing_owner_protected'],
      ['DELETE', `/v1/organizations/${id}/members/${owner}`, undefined, owner, 409, 'billing_owner_protected'],
      ['POST', `/v1/organizations/${id}/plan`, { plan: 'enterprise' }, admin, 403, 'forbidden'],
      ['POST', `/v1/organizations/${id}/ownership`, { newOwnerId: outsider }, owner, 409, 'not_a_member'],
      ['POST', `/v1/organizations/${id}/payment-method`, { processor: 'stripe', paymentMethodId: '4242 4242 4242 4242' }, owner, 422, 'raw_card_data_rejected'],
      ['PATCH', `/v1/organizations/${randomUUID()}`, { name: 'x' }, owner, 404, 'organization_not_found'],
      ['PATCH', `/v1/organizations/${id}`, { name: '' }, owner, 422, 'validation_failed'],
      ['POST', `/v1/organizations/${id}/plan`, { plan: 'platinum' }, owner, 422, 'validation_failed'],
    ];
    for (const [method, url, body, actor, status, code] of cases) {
      const response = await t.request(method, url, { body, headers: as(actor) });
      expect({ method, url, status: response.status, code: response.body?.code }).toEqual({ method, url, status, code });
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.text).not.toContain('4242');
    }
  });

  test('an erased or unknown user is never an actor, a member-to-be or a new owner: 404 user_not_found, nothing appended', async () => {
    const { id, owner, admin } = await organizationWith();
    const gone = await user();
    expect((await t.request('DELETE', `/v1/users/${gone}`, { headers: as(gone) })).status).toBe(202);
    const before = (await t.allEvents()).filter((e) => e.streamName === `organization-${id}`).length;
    const cases: [string, string, unknown, string][] = [
      ['POST', `/v1/organizations/${id}/members`, { userId: gone, role: 'member' }, owner],
      ['POST', `/v1/organizations/${id}/ownership`, { newOwnerId: gone }, owner],
      ['POST', `/v1/organizations/${id}/ownership`, { newOwnerId: randomUUID() }, owner],
      ['PATCH', `/v1/organizations/${id}`, { name: 'Taken over' }, gone],
      ['PATCH', `/v1/organizations/${id}`, { name: 'Taken over' }, randomUUID()],
      ['POST', `/v1/organizations/${id}/members`, { userId: gone, role: 'member' }, randomUUID()],
      ['DELETE', `/v1/organizations/${id}/members/${admin}`, undefined, gone],
      ['POST', '/v1/organizations', { name: 'Ghost' }, gone],
    ];
    for (const [method, url, body, actor] of cases) {
      const response = await t.request(method, url, { body, headers: as(actor) });
      expect({ method, url, status: response.status, code: response.body?.code }).toEqual({ method, url, status: 404, code: 'user_not_found' });
    }
    expect((await t.allEvents()).filter((e) => e.streamName === `organization-${id}`)).toHaveLength(before);
  });

  test('the happy paths: rename, plan, payment method, role change, leave, transfer', async () => {
    const { id, owner, admin, member } = await organizationWith();
    expect((await t.request('PATCH', `/v1/organizations/${id}`, { body: { name: 'Acme Corp' }, headers: as(admin) })).body).toMatchObject({ name: 'Acme Corp', memberCount: 3 });
    expect((await t.request('POST', `/v1/organizations/${id}/plan`, { body: { plan: 'enterprise' }, headers: as(owner) })).body.plan).toBe('enterprise');
    const payment = await t.request('POST', `/v1/organizations/${id}/payment-method`, { body: { processor: 'stripe', paymentMethodId: 'pm_1NvXk2LkdIwHu7ix' }, headers: as(owner) });
    expect(payment.status).toBe(200);
    expect(payment.text).not.toContain('pm_1NvXk2LkdIwHu7ix');
    expect((await t.request('PATCH', `/v1/organizations/${id}/members/${member}`, { body: { role: 'admin' }, headers: as(admin) })).body.role).toBe('admin');
    expect((await t.request('DELETE', `/v1/organizations/${id}/members/${member}`, { headers: as(member) })).status).toBe(204);
    const transferred = await t.request('POST', `/v1/organizations/${id}/ownership`, { body: { newOwnerId: admin }, headers: as(owner) });
    expect(transferred.body).toMatchObject({ ownerId: admin, memberCount: 2 });
    expect((await t.request('DELETE', `/v1/organizations/${id}/members/${owner}`, { headers: as(owner) })).status).toBe(204);
  });

  test('a repeat with the same Idempotency-Key returns the first response and appends nothing; another body is 422', async () => {
    const { id, owner, outsider } = await organizationWith();
    const headers = { ...as(owner), 'idempotency-key': `add-${randomUUID()}` };
    const first = await t.request('POST', `/v1/organizations/${id}/members`, { body: { userId: outsider, role: 'member' }, headers });
    const repeat = await t.request('POST', `/v1/organizations/${id}/members`, { body: { userId: outsider, role: 'member' }, headers });
    expect(first.status).toBe(201);
    expect(repeat.status).toBe(201);
    expect(repeat.body).toEqual(first.body);
    expect(repeat.headers['x-event-position']).toBe(first.headers['x-event-position']);
    const joined = (await t.allEvents()).filter((e) => e.streamName === `organization-${id}` && e.type === 'MemberJoined');
    expect(joined).toHaveLength(4); // owner, admin, member, and the outsider once
    const reused = await t.request('POST', `/v1/organizations/${id}/members`, { body: { userId: outsider, role: 'admin' }, headers });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
  });

  test('under 16 concurrent adds to one organization, every member joins exactly once', async () => {
    const { id, owner } = await organizationWith();
    const people = await Promise.all(Array.from({ length: 16 }, () => user()));
    const responses = await Promise.all(people.map((userId) => t.request('POST', `/v1/organizations/${id}/members`, { body: { userId, role: 'member' }, headers: as(owner) })));
    expect(responses.map((r) => r.status)).toEqual(people.map(() => 201));
    const joined = (await t.allEvents())
      .filter((e) => e.streamName === `organization-${id}` && e.type === 'MemberJoined')
      .map((e) => (e.data as { userId: string }).userId);
    expect(new Set(joined).size).toBe(joined.length);
    for (const person of people) expect(joined).toContain(person);
  });
});

/**
 * "The billing owner is an owner member" and "at least one owner" are rules of one stream, kept under racing
 * processes by the expected revision: the loser decides again on fresh state and is refused. Each round races a
 * transfer of ownership to a member (process one) against removing and demoting that member (process two).
 */
describe.each(EVENT_STORES)('organization rules under racing processes (%s)', (eventStore) => {
  jest.setTimeout(120_000);
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    [first, second] = await createTwoProcesses({ redisDb: 13, eventStore });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
    await dropTemplate();
  });

  const as = (actorId: string) => ({ 'x-actor-id': actorId });
  async function user(): Promise<string> {
    const response = await first.request('POST', '/v1/users', { body: { email: `racer-${randomUUID()}@example.com`, password: 'correct horse battery' } });
    return response.body.id as string;
  }

  test('a transfer of ownership racing the removal and demotion of its new owner never leaves a billing owner who is not an owner', async () => {
    const rounds = 30;
    const outcomes: string[] = [];
    const organizations = await Promise.all(
      Array.from({ length: rounds }, async () => {
        const [owner, heir] = await Promise.all([user(), user()]);
        const created = await first.request('POST', '/v1/organizations', { body: { name: 'Race Inc' }, headers: as(owner) });
        const id = created.body.id as string;
        expect((await first.request('POST', `/v1/organizations/${id}/members`, { body: { userId: heir, role: 'admin' }, headers: as(owner) })).status).toBe(201);
        return { id, owner, heir };
      }),
    );
    await Promise.all(
      organizations.flatMap(({ id, owner, heir }) => [
        first.request('POST', `/v1/organizations/${id}/ownership`, { body: { newOwnerId: heir }, headers: as(owner) }),
        second.request('DELETE', `/v1/organizations/${id}/members/${heir}`, { headers: as(owner) }),
        second.request('PATCH', `/v1/organizations/${id}/members/${heir}`, { body: { role: 'member' }, headers: as(owner) }),
      ].map((pending) => pending.then((response) => outcomes.push(response.status < 300 ? String(response.status) : String(response.body.code))))),
    );
    // Only refusals the rules give, never a 500 or a lost race that outlived the retries.
    expect(new Set(outcomes)).toEqual(new Set(outcomes.filter((outcome) => ['200', '204', 'billing_owner_protected', 'not_a_member', 'forbidden'].includes(outcome))));

    const events = await first.allEvents();
    for (const { id } of organizations) {
      const history = events.filter((event) => event.streamName === `organization-${id}`).map((event) => ({ type: event.type, data: event.data }) as OrganizationEvent);
      const state = organizationDecider.fold(organizationDecider.initialState(), history);
      if (state.status !== 'active') throw new Error('the organization is gone');
      expect(memberOf(state, state.ownerId)?.role).toBe('owner');
      // The read model agrees once it has caught up.
      const members = await first.request('GET', `/v1/organizations/${id}/members`, { headers: { 'x-consistent-with': formatPosition(events.at(-1)!.position) } });
      expect(members.status).toBe(200);
      const owners = (members.body.items as { userId: string; role: string }[]).filter((member) => member.role === 'owner').map((member) => member.userId);
      expect(owners).toContain(state.ownerId);
      expect((await first.request('GET', `/v1/organizations/${id}`)).body.ownerId).toBe(state.ownerId);
    }
  });
});
