import { createHash, randomUUID } from 'node:crypto';
import { DEVELOPMENT_SERVICE_KEYS } from '@accounts/config';
import { sourceTypesOf, INTEGRATION_EVENT_TYPES, integrationEventId } from '@accounts/integration-events';
import { dropTemplate } from '../support/postgres';
import { createTestApp, EVENT_STORES, TEST_CLIENT_IP, type TestApp } from '../support/app';

const PUBLISHED_SOURCES = new Set(sourceTypesOf(INTEGRATION_EVENT_TYPES));
const QUERIES_KEY = 'feed-test-queries-only-key';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.each(EVENT_STORES)('GET /v1/events: the feed of integration events (%s)', (eventStore) => {
  jest.setTimeout(180_000);
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      redisDb: eventStore === 'esdb' ? 11 : 7,
      eventStore,
      env: { SERVICE_KEYS: [DEVELOPMENT_SERVICE_KEYS, `reader:${sha256(QUERIES_KEY)}:queries`].join(',') },
    });
  });
  afterAll(async () => {
    await t.close();
    await dropTemplate();
  });

  const as = (actorId: string) => ({ 'x-actor-id': actorId });
  async function register(email = `feed-${randomUUID()}@example.com`): Promise<string> {
    const response = await t.request('POST', '/v1/users', { body: { email, password: 'correct horse battery' } });
    expect(response.status).toBe(201);
    return response.body.id as string;
  }

  /** The ids the feed must yield, in order: every published stored event, as the store's $all orders them. */
  async function expectedIds(): Promise<string[]> {
    return (await t.allEvents()).filter((event) => PUBLISHED_SOURCES.has(event.type)).map((event) => integrationEventId(event.id, 0));
  }

  /** The cursor at the feed's end now: pages through it all. */
  async function headCursor(): Promise<string> {
    await t.allEvents(); // waits until every committed event is visible (see the 16-writer test)
    let cursor: string | undefined;
    for (;;) {
      const page = await t.request('GET', `/v1/events?limit=1000${cursor ? `&after=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      cursor = page.body.nextCursor as string;
      if (page.body.items.length === 0) return cursor;
    }
  }

  test('two consumers reading with cursors while 16 writers send commands get every event once, in order', async () => {
    const writers = 16;
    const writer = async (w: number) => {
      const owner = await register();
      const organization = (await t.request('POST', '/v1/organizations', { body: { name: `Writer ${w}`, plan: 'pro' }, headers: as(owner) })).body.id as string;
      for (let round = 0; round < 3; round++) {
        const member = await register();
        expect((await t.request('POST', `/v1/organizations/${organization}/members`, { body: { userId: member, role: 'member' }, headers: as(owner) })).status).toBe(201);
        await t.request('PATCH', `/v1/organizations/${organization}/members/${member}`, { body: { role: 'admin' }, headers: as(owner) });
        await t.request('POST', `/v1/users/${member}/email`, { body: { email: `moved-${randomUUID()}@example.com` }, headers: as(member) });
        await t.request('PATCH', `/v1/organizations/${organization}`, { body: { name: `Writer ${w}.${round}` }, headers: as(owner) });
        await t.request('DELETE', `/v1/organizations/${organization}/members/${member}`, { headers: as(owner) });
      }
    };
    // Consumers read until they reach the last event the writers made. An empty page does not mean the end: the
    // PostgreSQL store shows an event only once every older transaction in the cluster has ended (tests of other
    // checkouts share it), so a consumer keeps waiting instead, up to a deadline.
    const end: { target?: { last: string; count: number; deadline: number } } = {};
    const consumer = async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await t.request('GET', `/v1/events?limit=7&waitSeconds=1${cursor ? `&after=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        seen.push(...(page.body.items as Array<{ id: string }>).map((item) => item.id));
        cursor = page.body.nextCursor as string;
        const target = end.target;
        if (target && (seen.at(-1) === target.last || seen.length >= target.count || Date.now() > target.deadline)) return seen;
      }
    };
    const consumers = [consumer(), consumer()];
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
    const expected = await expectedIds();
    end.target = { last: expected.at(-1)!, count: expected.length, deadline: Date.now() + 60_000 };
    const [first, second] = await Promise.all(consumers);
    expect(expected.length).toBeGreaterThan(writers * 14);
    expect(first).toEqual(expected);
    expect(second).toEqual(expected);
  });

  test('items are the contract: id, type, version, occurredAt and ids only, filtered by type', async () => {
    const from = await headCursor();
    const owner = await register();
    const member = await register();
    const organization = (await t.request('POST', '/v1/organizations', { body: { name: 'Typed', plan: 'free' }, headers: as(owner) })).body.id as string;
    await t.request('POST', `/v1/organizations/${organization}/members`, { body: { userId: member, role: 'admin' }, headers: as(owner) });
    await t.allEvents(); // until the writes are visible (another checkout's transaction can hold them back)
    const all = await t.request('GET', `/v1/events?after=${from}`);
    expect(all.body.items.map((item: { type: string }) => item.type)).toEqual(['user.registered', 'user.registered', 'organization.created', 'membership.created', 'membership.created']);
    expect(all.body.items[3]).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f-]{36}$/),
      type: 'membership.created',
      version: 1,
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: { organizationId: organization, userId: owner, role: 'owner' },
    });
    const memberships = await t.request('GET', `/v1/events?after=${from}&types=membership.created,organization.created`);
    expect(memberships.body.items.map((item: { type: string; data: { userId?: string } }) => [item.type, item.data.userId])).toEqual([
      ['organization.created', undefined],
      ['membership.created', owner],
      ['membership.created', member],
    ]);
    // The same page read again is the same page: ids are stable.
    expect((await t.request('GET', `/v1/events?after=${from}`)).body).toEqual(all.body);
  });

  test("an erased person's events still appear, with ids only", async () => {
    const from = await headCursor();
    const email = `Erased.Feed-${randomUUID().slice(0, 8)}@example.com`;
    const person = await register(email);
    await t.request('POST', `/v1/users/${person}/email`, { body: { email: `later-${email}` }, headers: as(person) });
    expect((await t.request('DELETE', `/v1/users/${person}`)).status).toBe(202);
    await t.allEvents();
    const page = await t.request('GET', `/v1/events?after=${from}&types=user.registered,user.email_changed,user.erased`);
    expect(page.body.items.map((item: { type: string; data: unknown }) => [item.type, item.data])).toEqual([
      ['user.registered', { userId: person }],
      ['user.email_changed', { userId: person }],
      ['user.erased', { userId: person }],
    ]);
    for (const needle of [email.toLowerCase(), '@', TEST_CLIENT_IP]) expect(page.text.toLowerCase()).not.toContain(needle);
  });

  test('a long poll answers as soon as an event arrives, and after waitSeconds when none does', async () => {
    const from = await headCursor();
    let started = Date.now();
    const idle = await t.request('GET', `/v1/events?after=${from}&waitSeconds=1&types=user.erased`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(idle.status).toBe(200);
    expect(idle.body.items).toEqual([]);

    started = Date.now();
    const waiting = t.request('GET', `/v1/events?after=${idle.body.nextCursor}&waitSeconds=30`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const person = await register();
    const woken = await waiting;
    // The wait ended because the event arrived, not by its timeout: a timed-out wait answers an empty page. (In
    // PostgreSQL an event shows only once every older transaction in the cluster has ended, and tests of other
    // checkouts share the cluster, so how soon it shows is not bounded tighter than the wait itself.)
    expect(Date.now() - started).toBeLessThan(29_000);
    expect(woken.body.items.map((item: { type: string; data: unknown }) => [item.type, item.data])).toEqual([['user.registered', { userId: person }]]);
    // The cursor it returned continues after that event.
    expect((await t.request('GET', `/v1/events?after=${woken.body.nextCursor}`)).body.items).toEqual([]);
  });

  test('bad cursors, types, limits and waits are 422 problems that name the field and echo nothing', async () => {
    const good = await headCursor();
    const [body, mac] = good.split('.') as [string, string];
    const forged = `${Buffer.from('c1:99999999-1').toString('base64url')}.${mac}`;
    const flipped = `${body}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    const cases: Array<[string, string]> = [
      [`after=${forged}`, 'after'],
      [`after=${flipped}`, 'after'],
      ['after=not-a-cursor', 'after'],
      [`after=${'x'.repeat(300)}`, 'after'],
      ['types=user.logged_in', 'types'],
      ['types=UserRegistered', 'types'],
      ['types=user.registered,', 'types'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=ten', 'limit'],
      ['waitSeconds=31', 'waitSeconds'],
      ['waitSeconds=-1', 'waitSeconds'],
      ['cursor=abc', ''],
    ];
    for (const [query, field] of cases) {
      const response = await t.request('GET', `/v1/events?${query}`);
      expect([query, response.status, response.body.code]).toEqual([query, 422, 'validation_failed']);
      expect(String(response.headers['content-type'])).toContain('application/problem+json');
      if (field) expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
      expect(response.text).not.toContain('logged_in');
      expect(response.text).not.toContain('99999999');
    }
  });

  test('the feed needs the events scope', async () => {
    expect((await t.request('GET', '/v1/events', { key: null })).status).toBe(401);
    const refused = await t.request('GET', '/v1/events', { key: QUERIES_KEY });
    expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);
  });
});
