import { randomUUID } from 'node:crypto';
import { canonicalJson } from '../../apps/api/src/idempotency/idempotency.interceptor';
import { dropTemplate } from '../support/postgres';
import { createTestApp, type TestApp } from '../support/app';

/** A stored idempotent response belongs to the (service, actor, key) that made it (API.md, "Who may act"). */
describe('idempotency records per actor', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redisDb: 9 });
  });
  afterAll(async () => {
    await t.close();
    await dropTemplate();
  });

  const register = async (email: string) => (await t.request('POST', '/v1/users', { body: { email, password: 'correct horse battery' } })).body.id as string;

  test("another actor sending the same key and body never receives the first actor's response", async () => {
    const [ada, bob] = [await register('ada.idem@example.com'), await register('bob.idem@example.com')];
    const key = `shared-${randomUUID()}`;
    const body = { name: 'Same name' };
    const first = await t.request('POST', '/v1/organizations', { body, headers: { 'idempotency-key': key, 'x-actor-id': ada } });
    const other = await t.request('POST', '/v1/organizations', { body, headers: { 'idempotency-key': key, 'x-actor-id': bob } });
    expect([first.status, first.body.ownerId]).toEqual([201, ada]);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect([other.status, other.body.ownerId]).toEqual([201, bob]);
    expect(other.body.id).not.toBe(first.body.id);
    // Each actor's own repeat still gets its own first response back.
    const again = await t.request('POST', '/v1/organizations', { body, headers: { 'idempotency-key': key, 'x-actor-id': bob } });
    expect([again.status, again.body, again.headers['idempotent-replayed']]).toEqual([201, other.body, 'true']);
  });

  test("the owner never receives an outsider's stored 403 for the same key and body", async () => {
    const [owner, outsider] = [await register('owner.idem@example.com'), await register('outsider.idem@example.com')];
    const organization = (await t.request('POST', '/v1/organizations', { body: { name: 'Owned' }, headers: { 'x-actor-id': owner } })).body.id;
    const key = `rename-${randomUUID()}`;
    const body = { name: 'Renamed' };
    const refused = await t.request('PATCH', `/v1/organizations/${organization}`, { body, headers: { 'idempotency-key': key, 'x-actor-id': outsider } });
    expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);
    const renamed = await t.request('PATCH', `/v1/organizations/${organization}`, { body, headers: { 'idempotency-key': key, 'x-actor-id': owner } });
    expect(renamed.headers['idempotent-replayed']).toBeUndefined();
    expect([renamed.status, renamed.body.name]).toEqual([200, 'Renamed']);
  });

  test('a body nested 5,000 deep is a 4xx problem, never a 500, and appends nothing', async () => {
    const before = (await t.allEvents()).length;
    const deep = `{"name":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
    const response = await t.request('POST', '/v1/organizations', { body: deep, headers: { 'content-type': 'application/json', 'x-actor-id': randomUUID() } });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await t.allEvents()).length).toBe(before);
  });

  test('canonical JSON sorts keys at every depth, as JSON.stringify writes everything else, without recursion', () => {
    const value = { b: [1, 'two', null, { z: true, a: undefined, y: 1.5 }], a: { d: 'é"\n', c: [] }, e: {} };
    expect(canonicalJson(value)).toBe('{"a":{"c":[],"d":"é\\"\\n"},"b":[1,"two",null,{"y":1.5,"z":true}],"e":{}}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    let nested: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) nested = i % 2 ? [nested] : { k: nested };
    expect(canonicalJson(nested)).toHaveLength(50_000 * '{"k":}'.length + 50_000 * '[]'.length + '"bottom"'.length);
    expect(canonicalJson(undefined)).toBe('');
  });
});
