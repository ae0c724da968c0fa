import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from '../support/app';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis';
import { apiClient } from './api-client';

/**
 * The membership walk (register, create an organization, add, list, change a role, remove) through the client
 * generated from /openapi.json: every path, parameter, header and body here is checked by the compiler against the
 * document, and every answer by the test app against it at run time.
 */
describe('memberships through the generated client', () => {
  jest.setTimeout(120_000);
  let t: TestApp;
  let redis: PrivateRedis;
  let api: ReturnType<typeof apiClient>;
  beforeAll(async () => {
    // A Redis of its own: every numbered database of the shared one belongs to another suite.
    redis = await startPrivateRedis();
    t = await createTestApp({ redisDb: 0, redisUrl: redis.url });
    api = apiClient(t);
  });
  afterAll(async () => {
    await t?.close();
    await redis?.destroy();
  });

  const key = () => randomUUID();

  async function registered(): Promise<string> {
    const { data, response } = await api.POST('/v1/users', {
      params: { header: { 'Idempotency-Key': key() } },
      body: { email: `client-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery' },
    });
    expect(response.status).toBe(201);
    return data!.id;
  }

  test('add, list (read-your-writes), change the role, remove; each refusal is a documented problem', async () => {
    const [owner, newcomer] = await Promise.all([registered(), registered()]);
    const created = await api.POST('/v1/organizations', { params: { header: { 'Idempotency-Key': key(), 'X-Actor-Id': owner } }, body: { name: 'Typed Ltd' } });
    expect(created.data).toEqual({ id: expect.any(String), name: 'Typed Ltd', plan: 'free', ownerId: owner });
    const id = created.data!.id;
    const path = { id };

    const added = await api.POST('/v1/organizations/{id}/members', { params: { path, header: { 'Idempotency-Key': key(), 'X-Actor-Id': owner } }, body: { userId: newcomer, role: 'member' } });
    expect(added.data).toMatchObject({ organizationId: id, userId: newcomer, role: 'member' });
    const position = added.response.headers.get('x-event-position')!;
    expect(position).toBeTruthy();

    const members = await api.GET('/v1/organizations/{id}/members', { params: { path, query: { limit: 10 }, header: { 'X-Consistent-With': position } } });
    expect(members.error).toBeUndefined();
    expect(members.data!.items.map((member) => [member.userId, member.role])).toEqual([
      [owner, 'owner'],
      [newcomer, 'member'],
    ]);

    const again = await api.POST('/v1/organizations/{id}/members', { params: { path, header: { 'Idempotency-Key': key(), 'X-Actor-Id': owner } }, body: { userId: newcomer, role: 'member' } });
    expect([again.response.status, again.error?.code]).toEqual([409, 'already_member']);

    const promoted = await api.PATCH('/v1/organizations/{id}/members/{userId}', {
      params: { path: { id, userId: newcomer }, header: { 'Idempotency-Key': key(), 'X-Actor-Id': owner } },
      body: { role: 'admin' },
    });
    expect(promoted.data?.role).toBe('admin');

    const removed = await api.DELETE('/v1/organizations/{id}/members/{userId}', { params: { path: { id, userId: newcomer }, header: { 'Idempotency-Key': key(), 'X-Actor-Id': owner } } });
    expect(removed.response.status).toBe(204);
    const gone = await api.DELETE('/v1/organizations/{id}/members/{userId}', { params: { path: { id, userId: newcomer }, header: { 'Idempotency-Key': key(), 'X-Actor-Id': owner } } });
    expect([gone.response.status, gone.error?.code]).toEqual([409, 'not_a_member']);

    const unknown = await api.GET('/v1/organizations/{id}', { params: { path: { id: randomUUID() } } });
    expect([unknown.response.status, unknown.error?.code]).toEqual([404, 'organization_not_found']);
  });
});
