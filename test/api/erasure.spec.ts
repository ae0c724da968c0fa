import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventCodec } from '@accounts/event-codec';
import { dropTemplate } from '../support/postgres';
import { createTestApp, EVENT_STORES, TEST_CLIENT_IP, type TestApp } from '../support/app';
import { everyStoredByte } from '../support/stored-bytes';

describe.each(EVENT_STORES)('erasure (DELETE /v1/users/{id}) (%s)', (eventStore) => {
  jest.setTimeout(120_000);
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redisDb: eventStore === 'esdb' ? 3 : 6, eventStore, captureLogs: true, env: { UPLOADS_DIR: mkdtempSync(join(tmpdir(), 'erasure-uploads-')), PUBLIC_BASE_URL: 'http://files.test' } });
  });
  afterAll(async () => {
    await t.close();
    await dropTemplate();
  });

  test('refused while billing owner; then memberships, sessions, read model, search and the key go, and the address is free', async () => {
    const email = 'Erasable.Person@example.com';
    const person = (await t.request('POST', '/v1/users', { body: { email, password: 'correct horse battery' } })).body.id as string;
    const other = (await t.request('POST', '/v1/users', { body: { email: 'other@example.com', password: 'correct horse battery' } })).body.id as string;
    const owned = (await t.request('POST', '/v1/organizations', { body: { name: 'Owned' }, headers: { 'x-actor-id': person } })).body.id as string;
    const joined = (await t.request('POST', '/v1/organizations', { body: { name: 'Joined' }, headers: { 'x-actor-id': other } })).body.id as string;
    await t.request('POST', `/v1/organizations/${joined}/members`, { body: { userId: person, role: 'admin' }, headers: { 'x-actor-id': other } });
    await t.request('POST', `/v1/organizations/${owned}/members`, { body: { userId: other, role: 'member' }, headers: { 'x-actor-id': person } });
    const login = await t.request('POST', '/v1/sessions', { body: { email, password: 'correct horse battery' } });
    const position = login.headers['x-event-position'];
    await t.request('GET', `/v1/users/${person}`, { headers: { 'x-consistent-with': String(position) } });

    const refused = await t.request('DELETE', `/v1/users/${person}`);
    expect([refused.status, refused.body.code]).toEqual([409, 'owner_must_transfer']);

    await t.request('POST', `/v1/organizations/${owned}/ownership`, { body: { newOwnerId: other }, headers: { 'x-actor-id': person } });
    const erased = await t.request('DELETE', `/v1/users/${person}`);
    expect(erased.status).toBe(202);
    const after = { 'x-consistent-with': String(erased.headers['x-event-position']) };

    expect((await t.request('GET', `/v1/users/${person}`, { headers: after })).status).toBe(404);
    expect((await t.request('GET', `/v1/organizations/${joined}`, { headers: after })).body.memberCount).toBe(1);
    expect((await t.request('GET', '/v1/sessions/current', { headers: { ...after, 'x-session-token': login.body.token } })).status).toBe(401);
    expect((await t.request('GET', `/v1/search/users?q=erasable`, { headers: after })).body.items).toEqual([]);

    // Byte by byte: no store holds the plaintext address any more.
    const dumps = await Promise.all([
      t.allEvents().then((events) => ({ rows: events.map((e) => [e.streamName, e.data, e.metadata]) })),
      t.database.pool.query(`SELECT * FROM users_v1`),
      t.database.pool.query(`SELECT * FROM idempotency_records`),
      t.database.pool.query(`SELECT * FROM projection_dead_letters`),
      t.database.pool.query(`SELECT * FROM search_users_v1`),
    ]);
    const haystack = JSON.stringify(dumps.map((d) => d.rows)).toLowerCase();
    expect(haystack).not.toContain('erasable.person');
    const redisKeys = await t.redis.keys('*');
    expect(JSON.stringify(await Promise.all(redisKeys.map(async (k) => ((await t.redis.type(k)) === 'string' ? t.redis.get(k) : ''))))).not.toContain('erasable');

    // History still shows that things happened; the address can be registered again by a new person.
    expect((await t.allEvents()).filter((e) => e.streamName === `user-${person}`).length).toBeGreaterThan(2);
    const again = await t.request('POST', '/v1/users', { body: { email, password: 'a new person here' } });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(person);

    // A service still naming the erased person as its actor: the rules answer (404), and where a command needs no
    // actor it goes through without recording anything of theirs (their key is gone, their address is not kept).
    const ghost = await t.request('POST', '/v1/organizations', { body: { name: 'Ghost' }, headers: { 'x-actor-id': person } });
    expect([ghost.status, ghost.body.code]).toEqual([404, 'user_not_found']);
    const actedFor = await t.request('POST', '/v1/users', { body: { email: 'someone.else@example.com', password: 'correct horse battery' }, headers: { 'x-actor-id': person } });
    expect(actedFor.status).toBe(201);
  });

  test('after erasure no store holds their email, IP or password hash, not even after every projection is rebuilt from 0', async () => {
    const email = 'Forget.Me.Completely@example.com';
    const person = (await t.request('POST', '/v1/users', { body: { email, password: 'correct horse battery' } })).body.id as string;
    const owner = (await t.request('POST', '/v1/users', { body: { email: 'stays@example.com', password: 'correct horse battery' } })).body.id as string;
    const organization = (await t.request('POST', '/v1/organizations', { body: { name: 'Remembering Inc' }, headers: { 'x-actor-id': owner } })).body.id as string;
    await t.request('POST', `/v1/organizations/${organization}/members`, { body: { userId: person, role: 'member' }, headers: { 'x-actor-id': owner } });
    const login = await t.request('POST', '/v1/sessions', { body: { email, password: 'correct horse battery' } });
    expect(login.status).toBe(201);
    // An avatar whose bytes hold their address (as a scanned badge might): uploads are personal data too.
    const avatar = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(' badge of forget.me.completely@example.com')]);
    const announced = await t.request('POST', '/v1/uploads', { body: { purpose: 'user_avatar', subjectId: person, contentType: 'image/png', size: avatar.length } });
    const url = new URL(announced.body.uploadUrl);
    const put = await t.inject({ method: 'PUT', url: url.pathname + url.search, payload: avatar, headers: { 'content-type': 'image/png' } });
    expect(put.statusCode).toBe(200);
    expect((await t.request('POST', `/v1/users/${person}/avatar`, { body: { objectKey: announced.body.objectKey } })).status).toBe(200);
    const changed = await t.request('POST', `/v1/users/${person}/email`, { body: { email: 'forget.me.later@example.com' } });
    const beforeErasure = { 'x-consistent-with': String(changed.headers['x-event-position']) };

    // The plaintext values to look for: both addresses, the password hash (read back through the codec while the
    // key still exists), and the client IP the requests came from.
    const decoded = await t.app.get(EventCodec).decode((await t.allEvents()).filter((event) => event.streamName === `user-${person}`));
    const passwordHash = String(decoded.find((event) => event.type === 'UserRegistered')!.data['passwordHash']);
    expect(passwordHash).toMatch(/^\$argon2id\$/);
    const secrets = ['forget.me.completely@example.com', 'forget.me.later@example.com', passwordHash, passwordHash.split('$').at(-1)!, TEST_CLIENT_IP];

    const findLeaks = async () => {
      const haystack = (await everyStoredByte(t)).toLowerCase();
      return secrets.filter((secret) => haystack.includes(secret.toLowerCase()));
    };
    // The search sees what it should: before erasure the read model and the search index hold the current address.
    await t.request('GET', '/v1/search/users?q=forget', { headers: beforeErasure });
    await t.request('GET', `/v1/users/${person}`, { headers: beforeErasure });
    expect(await findLeaks()).toEqual(expect.arrayContaining(['forget.me.later@example.com', 'forget.me.completely@example.com']));

    const erased = await t.request('DELETE', `/v1/users/${person}`);
    expect(erased.status).toBe(202);
    const after = { 'x-consistent-with': String(erased.headers['x-event-position']) };
    expect((await t.request('GET', `/v1/users/${person}`, { headers: after })).status).toBe(404);
    await t.request('GET', '/v1/sessions/current', { headers: { ...after, 'x-session-token': login.body.token } });
    await t.request('GET', '/v1/search/users?q=forget', { headers: after });
    expect(await findLeaks()).toEqual([]);

    // Every projection rebuilt from position 0 (blue/green) still finds nothing to show of them.
    for (const name of ['read_model', 'sessions', 'search', 'erasure', 'invitations', 'mail']) {
      const { body } = await t.request('POST', `/v1/ops/projections/${name}/rebuild`);
      for (let i = 0; i < 600; i++) {
        const items = (await t.request('GET', '/v1/ops/projections')).body.items as { name: string; version: number; state: string }[];
        if (items.some((item) => item.name === name && item.version === body.version && item.state === 'live')) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const names = ['read_model', 'sessions', 'search', 'erasure', 'invitations', 'mail'];
    // The webhook endpoints' projection holds no personal data, and is not one an operator rebuilds by name.
    const rebuilt = ((await t.request('GET', '/v1/ops/projections')).body.items as { name: string; version: number }[]).filter((item) => names.includes(item.name));
    expect(rebuilt.map((item) => item.version)).toEqual(rebuilt.map(() => expect.any(Number)));
    expect(rebuilt.every((item) => item.version >= 2)).toBe(true);
    expect((await t.request('GET', `/v1/organizations/${organization}`)).body.memberCount).toBe(1);
    expect((await t.request('GET', `/v1/users/${person}`)).status).toBe(404);
    expect(await findLeaks()).toEqual([]);

    // History keeps the facts, with the personal fields marked erased.
    const history = await t.app.get(EventCodec).decode((await t.allEvents()).filter((event) => event.streamName === `user-${person}`));
    expect(history.map((event) => event.type)).toEqual(expect.arrayContaining(['UserRegistered', 'UserLoggedIn', 'UserEmailChanged', 'UserErased']));
    expect(history.find((event) => event.type === 'UserRegistered')!.data).toMatchObject({ userId: person, email: '[erased]', passwordHash: '[erased]' });
  });
});
