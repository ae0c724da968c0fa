import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { EVENT_STORE } from '../../apps/api/src/infrastructure/tokens';
import type { EventStore } from '@accounts/event-store';
import { userStream } from '@accounts/streams';
import { dropTemplate } from '../support/postgres';
import { createTestApp, type TestApp } from '../support/app';

/**
 * Organization commands on the PostgreSQL store claim their Idempotency-Key with their append (es_append_claimed,
 * migrations/0012): two round trips for adding a member, and every idempotency behaviour as when the key is claimed
 * first.
 */
describe('claiming the Idempotency-Key with the append', () => {
  jest.setTimeout(120_000);
  let t: TestApp;
  /** Every query any pg client of this process sends: one round trip each. */
  let roundTrips = 0;
  const query = Client.prototype.query as (...args: unknown[]) => unknown;
  beforeAll(async () => {
    Client.prototype.query = function counted(this: Client, ...args: unknown[]) {
      roundTrips++;
      return query.apply(this, args);
    } as typeof Client.prototype.query;
    // Without projectors, so every round trip counted is the command's.
    t = await createTestApp({ redisDb: 10, env: { RUN_PROJECTORS: 'false' } });
  });
  afterAll(async () => {
    Client.prototype.query = query as typeof Client.prototype.query;
    await t.close();
    await dropTemplate();
  });

  const register = async (email: string) => (await t.request('POST', '/v1/users', { body: { email, password: 'correct horse battery' } })).body.id as string;
  const setUp = async (label: string) => {
    const owner = await register(`owner.${label}@example.com`);
    const organization = (await t.request('POST', '/v1/organizations', { body: { name: `Org ${label}` }, headers: { 'x-actor-id': owner } })).body.id as string;
    return { owner, organization };
  };
  const addMember = (organization: string, owner: string, userId: string, key = randomUUID(), role = 'member') =>
    t.request('POST', `/v1/organizations/${organization}/members`, { body: { userId, role }, headers: { 'idempotency-key': key, 'x-actor-id': owner } });
  const stored = async (key: string) => (await t.database.pool.query(`SELECT state, status_code FROM idempotency_records WHERE idempotency_key = $1`, [key])).rows;
  const eventCount = async (organization: string) =>
    (await t.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM es_events WHERE stream_name = $1`, [`organization-${organization}`])).rows[0]!.n;

  test('adding a member to a cached organization makes two PostgreSQL round trips: the claimed append and the stored response', async () => {
    const { owner, organization } = await setUp('trips');
    await addMember(organization, owner, await register('warm.trips@example.com')); // the organization is cached from here on
    const member = await register('member.trips@example.com');
    const before = roundTrips;
    const added = await addMember(organization, owner, member);
    expect([added.status, added.body.role, roundTrips - before]).toEqual([201, 'member', 2]);
  });

  test('a repeat gets the stored response, a repeat with another body 422, and nothing is appended twice', async () => {
    const { owner, organization } = await setUp('repeat');
    const member = await register('member.repeat@example.com');
    const key = randomUUID();
    const first = await addMember(organization, owner, member, key);
    const events = await eventCount(organization);
    const again = await addMember(organization, owner, member, key);
    expect([again.status, again.body, again.headers['idempotent-replayed'], again.headers['x-event-position']]).toEqual([201, first.body, 'true', first.headers['x-event-position']]);
    const other = await addMember(organization, owner, member, key, 'admin');
    expect([other.status, other.body.code]).toEqual([422, 'idempotency_key_reused']);
    expect(await eventCount(organization)).toBe(events);
    expect(await stored(key)).toEqual([{ state: 'completed', status_code: 201 }]);
  });

  test('a refusal is stored with its claim, and a repeat gets it back even after the refusal stopped being true', async () => {
    const { owner, organization } = await setUp('refusal');
    const outsider = await register('outsider.refusal@example.com');
    const newcomer = await register('newcomer.refusal@example.com');
    const key = randomUUID();
    const refused = await addMember(organization, outsider, newcomer, key);
    expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);
    expect(await stored(key)).toEqual([{ state: 'completed', status_code: 403 }]);
    expect((await addMember(organization, owner, outsider, randomUUID(), 'admin')).status).toBe(201); // now they may add members
    const again = await addMember(organization, outsider, newcomer, key);
    expect([again.status, again.body.code, again.headers['idempotent-replayed']]).toEqual([403, 'forbidden', 'true']);
  });

  test('a user assumed active but never registered, or erased, is found out by the append: 404 user_not_found, nothing appended', async () => {
    const { owner, organization } = await setUp('facts');
    const events = await eventCount(organization);
    const ghost = await addMember(organization, owner, randomUUID());
    expect([ghost.status, ghost.body.code]).toEqual([404, 'user_not_found']);
    const erased = await register('erased.facts@example.com');
    // The end of an erasure, as far as this fact goes: the stream's last event is UserErased.
    await t.app.get<EventStore>(EVENT_STORE).appendToStream(userStream(erased), [
      { id: randomUUID(), type: 'UserErased', data: { userId: erased, erasedAt: new Date().toISOString() }, metadata: { occurredAt: new Date().toISOString() } },
    ]);
    const gone = await addMember(organization, owner, erased);
    expect([gone.status, gone.body.code]).toEqual([404, 'user_not_found']);
    expect(await eventCount(organization)).toBe(events);
  });

  test('a key another run holds is 409 idempotency_key_in_flight, and appends nothing', async () => {
    const { owner, organization } = await setUp('flight');
    const member = await register('member.flight@example.com');
    // The same request under another key (refused: not yet a member) leaves a record with the request's fingerprint,
    // which does not depend on the key; a pending record of that fingerprint under a second key is a run in flight.
    const model = randomUUID();
    const removed = await t.request('DELETE', `/v1/organizations/${organization}/members/${member}`, { headers: { 'idempotency-key': model, 'x-actor-id': owner } });
    expect([removed.status, removed.body.code]).toEqual([409, 'not_a_member']);
    const key = randomUUID();
    await t.database.pool.query(
      `INSERT INTO idempotency_records (service, actor_id, idempotency_key, request_fingerprint, state)
       SELECT service, actor_id, $1, request_fingerprint, 'pending' FROM idempotency_records WHERE idempotency_key = $2`,
      [key, model],
    );
    const events = await eventCount(organization);
    expect((await addMember(organization, owner, member)).status).toBe(201);
    const blocked = await t.request('DELETE', `/v1/organizations/${organization}/members/${member}`, { headers: { 'idempotency-key': key, 'x-actor-id': owner } });
    expect([blocked.status, blocked.body.code]).toEqual([409, 'idempotency_key_in_flight']);
    expect(await eventCount(organization)).toBe(events + 1);
    expect(await stored(key)).toEqual([{ state: 'pending', status_code: null }]);
  });
});
