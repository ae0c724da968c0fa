import { EventCodec } from '@accounts/event-codec';
import type { EventStore } from '@accounts/event-store';
import { EVENT_STORE } from '../../apps/api/src/infrastructure/tokens';
import { dropTemplate } from '../support/postgres';
import { createTestApp, EVENT_STORES, type TestApp } from '../support/app';
import { seedMembers, seedUserStream } from './seed-streams';

/**
 * Streams longer than one read page (4,096 events), driven over HTTP after a restart (cold caches, nothing in
 * memory): a user's commands used to be 409 concurrency_conflict forever once their stream passed 4,096 events.
 * Long histories are appended directly through the app's own codec and event store, as the service writes them.
 */
describe.each(EVENT_STORES)('streams of any length over HTTP (%s)', (eventStore) => {
  jest.setTimeout(180_000);
  let t: TestApp;
  let restarted: TestApp | undefined;
  beforeAll(async () => {
    t = await createTestApp({ redisDb: eventStore === 'esdb' ? 7 : 11, eventStore });
  });
  // Closed after each test, even a failed one: an app left open keeps its pools and jest from ever finishing.
  afterEach(async () => {
    await restarted?.close();
    restarted = undefined;
  });
  afterAll(async () => {
    await t.close();
    await dropTemplate();
  });

  const restart = async () =>
    (restarted = await createTestApp({ redisDb: eventStore === 'esdb' ? 7 : 11, shareDatabaseWith: t, eventStore: 'postgres', env: t.config.eventStoreUrl ? { EVENTSTORE_URL: t.config.eventStoreUrl } : {} }));
  const as = (actorId: string) => ({ 'x-actor-id': actorId });

  test('a user with 4,600 events logs in, changes their password and is erased, after a restart', async () => {
    const email = `long.history.${eventStore}@example.com`;
    const password = 'correct horse battery';
    const userId = (await t.request('POST', '/v1/users', { body: { email, password } })).body.id as string;
    // Logins appended after the registration (revision 0): the stream ends at revision 4,600.
    await appendLogins(t, userId, 4_600);
    const app = await restart();

    const login = await app.request('POST', '/v1/sessions', { body: { email, password } });
    expect([login.status, typeof login.body.token]).toEqual([201, 'string']);
    const changed = await app.request('POST', `/v1/users/${userId}/password`, { body: { currentPassword: password, newPassword: 'a brand new secret' }, headers: as(userId) });
    expect(changed.status).toBe(204);
    const again = await app.request('POST', '/v1/sessions', { body: { email, password: 'a brand new secret' } });
    expect(again.status).toBe(201);
    const erased = await app.request('DELETE', `/v1/users/${userId}`, { headers: as(userId) });
    expect(erased.status).toBe(202);

    const stream = await app.app.get<EventStore>(EVENT_STORE).readStream(`user-${userId}`);
    expect(stream.length).toBe(4_606); // registration and its verification token, 4,600 seeded logins, login, password change, login, erasure
    expect(stream.slice(-4).map((event) => event.type)).toEqual(['UserLoggedIn', 'UserPasswordChanged', 'UserLoggedIn', 'UserErased']);
    const { rows } = await t.database.pool.query('SELECT 1 FROM aggregate_snapshots WHERE stream_name = $1', [`user-${userId}`]);
    expect(rows).toEqual([]); // the erasure took the snapshot with it
  });

  test('an organization of 5,000 members takes commands after a restart', async () => {
    const owner = (await t.request('POST', '/v1/users', { body: { email: `owner.big.${eventStore}@example.com`, password: 'correct horse battery' } })).body.id as string;
    const newcomer = (await t.request('POST', '/v1/users', { body: { email: `newcomer.big.${eventStore}@example.com`, password: 'correct horse battery' } })).body.id as string;
    const organizationId = (await t.request('POST', '/v1/organizations', { body: { name: 'Big' }, headers: as(owner) })).body.id as string;
    await appendMembers(t, organizationId, 4_999);
    const app = await restart();

    const added = await app.request('POST', `/v1/organizations/${organizationId}/members`, { body: { userId: newcomer, role: 'member' }, headers: as(owner) });
    expect([added.status, added.body.userId]).toEqual([201, newcomer]);
    const renamed = await app.request('PATCH', `/v1/organizations/${organizationId}`, { body: { name: 'Bigger' }, headers: as(owner) });
    expect([renamed.status, renamed.body.name, renamed.body.memberCount]).toEqual([200, 'Bigger', 5_001]);
    const removed = await app.request('DELETE', `/v1/organizations/${organizationId}/members/${newcomer}`, { headers: as(owner) });
    expect(removed.status).toBe(204);
    // Another restart reads the organization from its snapshot and the events after it.
    await restarted?.close();
    const again = await restart();
    const promoted = await again.request('PATCH', `/v1/organizations/${organizationId}`, { body: { name: 'Biggest' }, headers: as(owner) });
    expect([promoted.status, promoted.body.memberCount]).toEqual([200, 5_000]);
  });
});

const seeding = (t: TestApp) => ({ store: t.app.get<EventStore>(EVENT_STORE), codec: t.app.get(EventCodec) });
const appendLogins = (t: TestApp, userId: string, count: number) => seedUserStream(seeding(t).store, seeding(t).codec, userId, count, { append: true });
const appendMembers = (t: TestApp, organizationId: string, count: number) => seedMembers(seeding(t).store, seeding(t).codec, organizationId, count);
