import { randomUUID } from 'node:crypto';
import { EVENT_STORE } from '../../apps/api/src/infrastructure/tokens';
import { EventCodec } from '@accounts/event-codec';
import type { EventStore } from '@accounts/event-store';
import { organizationStream } from '@accounts/streams';
import { createTestApp, type TestApp } from '../support/app';
import { dropTemplate } from '../support/postgres';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';

const PASSWORD = 'correct horse battery';

/**
 * The erased-members reaction's hardest case: ownership handed to a person who was erased meanwhile (a
 * `TransferOwnership` decided on "the new owner is active" just before their `UserErased`). Nobody can act for an
 * erased person, so no one can give the ownership back for them: the reaction must not pretend it removed them, and
 * must not stop. It parks the event as a dead letter of `erasure` (ids and a class name only), where operators see it,
 * and goes on with the next events.
 */
describe('erased-members reaction: an ownership handed to an erased person', () => {
  jest.setTimeout(120_000);
  let redis: PrivateRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    t = await createTestApp({ redisDb: 0, redisUrl: redis.url });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.destroy();
    await dropTemplate();
  });

  async function register(email: string): Promise<string> {
    const response = await t.request('POST', '/v1/users', { body: { email, password: PASSWORD } });
    expect(response.status).toBe(201);
    return response.body.id as string;
  }

  test('is parked as a dead letter for an operator, the owner stays, and later erasures are still handled', async () => {
    const owner = await register(`owner.${randomUUID().slice(0, 6)}@example.com`);
    const heir = await register(`heir.${randomUUID().slice(0, 6)}@example.com`);
    const bystander = await register(`bystander.${randomUUID().slice(0, 6)}@example.com`);
    const organization = (await t.request('POST', '/v1/organizations', { body: { name: 'Inherited' }, headers: { 'x-actor-id': owner } })).body.id as string;
    let joined;
    for (const member of [heir, bystander]) {
      joined = await t.request('POST', `/v1/organizations/${organization}/members`, { body: { userId: member, role: 'member' }, headers: { 'x-actor-id': owner } });
      expect(joined.status).toBe(201);
    }
    // The read model knows both memberships, so each erasure ends its person's membership itself.
    await t.request('GET', `/v1/users/${heir}`, { headers: { 'x-consistent-with': String(joined!.headers['x-event-position']) } });
    expect((await t.request('DELETE', `/v1/users/${heir}`, { headers: { 'x-actor-id': heir } })).status).toBe(202);

    // The race's outcome, written as the losing handler would have: the decider today refuses an erased new owner.
    const eventStore = t.app.get<EventStore>(EVENT_STORE);
    const codec = t.app.get(EventCodec);
    const stream = organizationStream(organization);
    const transferId = randomUUID();
    const now = new Date().toISOString();
    const transfer = await codec.encode({ type: 'OwnershipTransferred', data: { organizationId: organization, fromUserId: owner, toUserId: heir, transferredAt: now } }, transferId, { occurredAt: now, service: 'test' });
    await eventStore.appendToStream(stream, [transfer], { expectedRevision: 'any' });
    // Then another member is erased: the reaction must still get there.
    const erased = await t.request('DELETE', `/v1/users/${bystander}`, { headers: { 'x-actor-id': bystander } });
    expect(erased.status).toBe(202);

    const deadline = Date.now() + 30_000;
    let parked: { event_id: string; event_type: string; error: string }[] = [];
    let bystanderLeft = false;
    while (Date.now() < deadline && !(parked.length > 0 && bystanderLeft)) {
      ({ rows: parked } = await t.database.pool.query(`SELECT event_id, event_type, error FROM projection_dead_letters WHERE projection = 'erasure'`));
      const events = await eventStore.readStream(stream);
      bystanderLeft = events.some((event) => event.type === 'MemberRemoved' && (event.data as { userId: string }).userId === bystander);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(parked.map((row) => [row.event_id, row.event_type])).toEqual([[transferId, 'OwnershipTransferred']]);
    expect(parked[0]!.error).toContain('OwnershipHandedToErasedPersonError'); // a class name, never a value
    expect(bystanderLeft).toBe(true); // the reaction went on past the parked event
    // The erasure's own removal of the heir is the only one: the reaction appended nothing that pretends to fix it.
    const after = await eventStore.readStream(stream);
    expect(after.filter((event) => event.type === 'MemberRemoved' && (event.data as { userId: string }).userId === heir)).toHaveLength(1);
  });
});
