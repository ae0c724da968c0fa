import { Webhook } from 'standardwebhooks';
import { createTestApp, type TestApp } from '../support/app';
import { publishedEvents, startProjections } from './delivery-host';
import { startReceiver, until } from './webhook-receiver';
import type { ProjectionsHost } from '@accounts/projections/projections-host';

const WRITERS = 16;

let keys = 0;

/**
 * A command as a careful caller sends it: a 503 (the shared PostgreSQL out of connections while other suites run) is
 * retried with the same Idempotency-Key, so the command is applied once.
 */
async function command(app: TestApp, method: string, url: string, body: unknown, headers: Record<string, string> = {}) {
  const key = `webhooks-writer-${process.pid}-${++keys}`;
  for (let attempt = 0; ; attempt++) {
    const response = await app.request(method, url, { body, headers: { ...headers, 'idempotency-key': key } });
    const retry = response.status === 503 || response.body?.code === 'idempotency_key_in_flight';
    // A 503 can leave its key claimed until the claim goes stale (30 s): that is a 409 in flight, waited out too.
    if (!retry || attempt >= 250) return response;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Each writer registers a user, who creates an organization, renames it and changes its plan. */
async function sixteenWriters(app: TestApp): Promise<void> {
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      const user = await command(app, 'POST', '/v1/users', { email: `writer.${writer}@example.com`, password: 'correct horse battery' });
      expect(user.status).toBe(201);
      const actor = { 'x-actor-id': user.body.id as string };
      const org = await command(app, 'POST', '/v1/organizations', { name: `Org ${writer}` }, actor);
      expect(org.status).toBe(201);
      for (const name of [`Org ${writer} a`, `Org ${writer} b`]) {
        expect((await command(app, 'PATCH', `/v1/organizations/${org.body.id}`, { name }, actor)).status).toBe(200);
      }
      expect((await command(app, 'POST', `/v1/organizations/${org.body.id}/plan`, { plan: 'pro' }, actor)).status).toBeLessThan(300);
    }),
  );
}

describe('webhook deliveries to a receiver that fails every other request', () => {
  let app: TestApp;
  let host: ProjectionsHost;
  let flaky: Awaited<ReturnType<typeof startReceiver>>;
  let orgsOnly: Awaited<ReturnType<typeof startReceiver>>;
  const endpoints: Record<string, { id: string; secret: string }> = {};

  beforeAll(async () => {
    app = await createTestApp({ redisDb: 10, env: { WEBHOOK_ALLOW_PRIVATE: 'true', RUN_PROJECTORS: 'false' } });
    host = await startProjections(app, { allowPrivate: true, retry: { baseDelayMs: 5, maxDelayMs: 50 } });
    flaky = await startReceiver((n) => (n % 2 === 0 ? 500 : 204));
    orgsOnly = await startReceiver((n) => (n % 2 === 0 ? 503 : 200));
    const create = async (name: string, url: string, types: string[]) => {
      const created = await command(app, 'POST', '/v1/webhooks', { url, types, description: name });
      expect(created.status).toBe(201);
      expect(created.body.secret).toMatch(/^whsec_/);
      endpoints[name] = { id: created.body.id, secret: created.body.secret };
    };
    await create('all', flaky.url, ['user.registered', 'organization.created', 'organization.renamed', 'organization.plan_changed', 'membership.created']);
    await create('orgs', orgsOnly.url, ['organization.created', 'organization.renamed']);
    // Nobody listens there: its deliveries fail for good, and must hold up no other endpoint.
    await create('dead', 'http://127.0.0.1:9/nothing', ['user.registered']);
    await sixteenWriters(app);
  }, 180_000);

  afterAll(async () => {
    await host?.stop();
    await flaky?.close();
    await orgsOnly?.close();
    await app?.close();
  });

  test('every event arrives exactly once in effect, in order per endpoint, each signature verified by standardwebhooks', async () => {
    const published = await publishedEvents(app);
    for (const [name, receiver, types] of [
      ['all', flaky, ['user.registered', 'organization.created', 'organization.renamed', 'organization.plan_changed', 'membership.created']],
      ['orgs', orgsOnly, ['organization.created', 'organization.renamed']],
    ] as const) {
      const expected = published.filter((event) => (types as readonly string[]).includes(event.type)).map((event) => event.id);
      expect(expected.length).toBeGreaterThanOrEqual(name === 'all' ? WRITERS * 6 : WRITERS * 3);
      await until(() => receiver.acknowledged().length >= expected.length, 60_000, `${name} to receive ${expected.length} events`);
      // Exactly once in effect: each event acknowledged once; every repeat (after a failure) carries the same id.
      expect(receiver.acknowledged()).toEqual(expected);
      const firstArrivals = [...new Set(receiver.received.map((request) => request.id))];
      expect(firstArrivals).toEqual(expected); // in order: no event before the one ahead of it succeeded
      expect(receiver.received.some((request) => request.status >= 500)).toBe(true);
      const verifier = new Webhook(endpoints[name]!.secret);
      for (const request of receiver.received) {
        const payload = verifier.verify(request.body, { 'webhook-id': request.id, 'webhook-timestamp': request.timestamp, 'webhook-signature': request.signature }) as { id: string; type: string };
        expect(payload.id).toBe(request.id);
      }
    }
  }, 90_000);

  test('each attempt is recorded and queryable; the dead endpoint shows its failures and held up no one', async () => {
    const { id } = endpoints['all']!;
    const deliveries = await app.request('GET', `/v1/webhooks/${id}/deliveries?limit=200`);
    expect(deliveries.status).toBe(200);
    const failed = deliveries.body.items.filter((item: { status: string }) => item.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]).toMatchObject({ httpStatus: 500, error: 'http_status', nextRetryAt: expect.any(String), durationMs: expect.any(Number) });
    expect(failed[0].responseExcerpt.length).toBeLessThanOrEqual(256);
    const succeeded = await app.request('GET', `/v1/webhooks/${id}/deliveries?status=succeeded&limit=5`);
    expect(succeeded.body.items).toHaveLength(5);
    expect(succeeded.body.items[0]).toMatchObject({ status: 'succeeded', httpStatus: 204, eventId: expect.stringMatching(/^evt_/), attemptedAt: expect.any(String) });
    const next = await app.request('GET', `/v1/webhooks/${id}/deliveries?status=succeeded&limit=5&cursor=${succeeded.body.nextCursor}`);
    expect(next.body.items).toHaveLength(5);
    expect(next.body.items[0].eventId).not.toBe(succeeded.body.items[0].eventId);
    expect((await app.request('GET', `/v1/webhooks/${id}/deliveries?cursor=not-ours`)).status).toBe(422);

    const dead = await app.request('GET', `/v1/webhooks/${endpoints['dead']!.id}/deliveries`);
    expect(dead.body.items[0]).toMatchObject({ status: 'failed', error: 'connection_refused', httpStatus: null });

    const ops = await app.request('GET', '/v1/ops/projections');
    const lanes = ops.body.items.filter((item: { name: string }) => item.name.startsWith('webhook:'));
    expect(lanes.map((item: { name: string }) => item.name).sort()).toEqual(Object.values(endpoints).map((endpoint) => `webhook:${endpoint.id}`).sort());
    expect(ops.body.webhooks.failing).toEqual([expect.objectContaining({ webhookId: endpoints['dead']!.id, attempts: expect.any(Number) })]);
    const metrics = await app.request('GET', '/metrics');
    expect(metrics.text).toContain(`accounts_projection_lag_events{projection="webhook:${endpoints['dead']!.id}"}`);
    expect(metrics.text).toMatch(/accounts_webhook_failing_endpoints 1/);
  });

  test('a replay from an event id redelivers that event and every later one, in order, with the same ids', async () => {
    const { id } = endpoints['orgs']!;
    const before = orgsOnly.acknowledged();
    const from = before[5]!;
    const replay = await app.request('POST', `/v1/webhooks/${id}/replay`, { body: { from } });
    expect(replay.status).toBe(202);
    const again = before.slice(5);
    await until(() => orgsOnly.acknowledged().length >= before.length + again.length, 30_000, 'the replay');
    expect(orgsOnly.acknowledged().slice(before.length)).toEqual(again);
    expect((await app.request('POST', `/v1/webhooks/${id}/replay`, { body: { from: 'evt_00000000-0000-4000-8000-000000000000' } })).status).toBe(422);
    expect((await app.request('POST', `/v1/webhooks/${id}/replay`, { body: { from: 'yesterday' } })).status).toBe(422);
  }, 60_000);

  test('a replay from a time before every delivery redelivers everything since the endpoint was created', async () => {
    const { id } = endpoints['orgs']!;
    const before = orgsOnly.acknowledged();
    const distinct = [...new Set(before)];
    const replay = await app.request('POST', `/v1/webhooks/${id}/replay`, { body: { from: '2020-01-01T00:00:00Z' } });
    expect(replay.status).toBe(202);
    await until(() => orgsOnly.acknowledged().length >= before.length + distinct.length, 30_000, 'the replay');
    expect(orgsOnly.acknowledged().slice(before.length)).toEqual(distinct);
  }, 60_000);
});
