import { createTestApp, type TestApp } from '../support/app';
import type { ProjectionsHost } from '@accounts/projections/projections-host';
import type { DeliveryClock } from '@accounts/projections/webhooks/delivery-clock';
import { startProjections } from './delivery-host';
import { startReceiver, until } from './webhook-receiver';

const TYPES = ['user.registered'];

describe('an endpoint down for its whole retry window (injected clock)', () => {
  let app: TestApp;
  let host: ProjectionsHost;
  let down: Awaited<ReturnType<typeof startReceiver>>;
  // 24 hours pass in a moment: every wait between retries advances this clock instead of sleeping.
  let now = Date.now();
  const clock: DeliveryClock = { now: () => now, sleep: async (ms) => void (now += ms, await new Promise((resolve) => setImmediate(resolve))) };

  beforeAll(async () => {
    app = await createTestApp({ redisDb: 11, captureLogs: true, env: { WEBHOOK_ALLOW_PRIVATE: 'true', RUN_PROJECTORS: 'false' } });
    host = await startProjections(app, { allowPrivate: true, clock, pollMs: 24 * 3_600_000 });
    down = await startReceiver(() => 503);
  });

  afterAll(async () => {
    await host?.stop();
    await down?.close();
    await app?.close();
  });

  test('is disabled with an event, webhook.disabled is recorded, and enabling it again resumes with the failed event', async () => {
    const created = await app.request('POST', '/v1/webhooks', { body: { url: down.url, types: TYPES } });
    expect(created.status).toBe(201);
    const { id, secret } = created.body as { id: string; secret: string };
    const user = await app.request('POST', '/v1/users', { body: { email: 'down@example.com', password: 'correct horse battery' } });
    expect(user.status).toBe(201);

    // Three writers finish the disabling, each on its own time: the endpoints' projection (status), the delivery sink
    // (its `webhook.disabled` row) and the deliveries' next tick (the projector marked paused). Wait for all three.
    const projectorOf = async () => (await app.request('GET', '/v1/ops/projections')).body.items.find((item: { name: string }) => item.name === `webhook:${id}`);
    await until(async () => (await app.request('GET', `/v1/webhooks/${id}`)).body?.status === 'disabled', 60_000, 'the endpoint to be disabled');
    await until(async () => (await app.request('GET', `/v1/webhooks/${id}/deliveries?limit=1`)).body.items[0]?.status === 'endpoint_disabled', 10_000, 'the webhook.disabled delivery');
    await until(async () => (await projectorOf())?.paused === true, 10_000, 'its projector to be marked paused');
    const attempts = down.received.length;
    expect(attempts).toBeGreaterThan(20); // growing delays fill 24 hours with a few dozen attempts
    expect(new Set(down.received.map((request) => request.id)).size).toBe(1); // one event, the same webhook-id each time
    const deliveries = await app.request('GET', `/v1/webhooks/${id}/deliveries?limit=200`);
    expect(deliveries.body.items[0]).toMatchObject({ status: 'endpoint_disabled', eventType: 'webhook.disabled', error: 'retry_window_exhausted' });
    const failures = deliveries.body.items.filter((item: { status: string }) => item.status === 'failed');
    expect(failures).toHaveLength(attempts);
    const span = Date.parse(failures[0].attemptedAt) - Date.parse(failures.at(-1).attemptedAt);
    expect(span).toBeLessThanOrEqual(24 * 3_600_000);
    expect(span).toBeGreaterThan(22 * 3_600_000);
    expect(failures[0].nextRetryAt).toBeNull(); // the last attempt: none comes after it

    const disabled = (await app.allEvents()).filter((event) => event.type === 'WebhookEndpointDisabled');
    expect(disabled).toHaveLength(1);
    expect(disabled[0]!.data).toMatchObject({ webhookId: id, reason: 'retry_window_exhausted', eventId: down.received[0]!.id });
    const ops = await app.request('GET', '/v1/ops/projections');
    expect(ops.body.webhooks.disabled).toEqual([expect.objectContaining({ webhookId: id })]);

    // Enabled again: the failed event is delivered first, with a fresh window.
    const enabled = await app.request('PATCH', `/v1/webhooks/${id}`, { body: { enabled: true } });
    expect(enabled.status).toBe(200);
    expect(enabled.body.status).toBe('enabled');
    await until(() => down.received.length > attempts, 30_000, 'deliveries to resume');
    expect(down.received[attempts]!.id).toBe(down.received[0]!.id);

    // The secret never reached a log line, nor a stored event in clear.
    expect(app.logs.join('\n')).not.toContain(secret);
    expect(JSON.stringify((await app.allEvents()).map((event) => event.data))).not.toContain(secret);
  }, 120_000);
});

describe('webhook endpoints without private targets (the default)', () => {
  let app: TestApp;

  beforeAll(async () => {
    // The one accepted URL is a public address: this app never writes an event of its types, so nothing is sent there.
    app = await createTestApp({ redisDb: 11, captureLogs: true });
  });

  afterAll(async () => {
    await app?.close();
  });

  test.each([
    ['plain http', 'http://hooks.example.com/x'],
    ['loopback', 'https://127.0.0.1/hook'],
    ['a name for loopback', 'https://localhost/hook'],
    ['IPv6 loopback', 'https://[::1]/hook'],
    ['link-local (cloud metadata)', 'https://169.254.169.254/latest'],
    ['private', 'https://10.1.2.3/hook'],
    ['unique-local', 'https://[fd00::1]/hook'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/hook'],
    ['multicast', 'https://224.0.0.1/hook'],
  ])('refuses %s as a 422 problem, appending nothing', async (_, url) => {
    const before = (await app.allEvents()).length;
    const response = await app.request('POST', '/v1/webhooks', { body: { url, types: TYPES } });
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body.code).toBe('webhook_target_refused');
    expect(response.text).not.toContain(new URL(url).hostname.replace(/^\[|\]$/g, ''));
    expect((await app.allEvents()).length).toBe(before);
  });

  test('the secret is shown once: never in GET, PATCH or list responses, nor in logs; rotation shows the new one once', async () => {
    // A public address literal (no name to resolve); no user.* event is written here, so no delivery is attempted.
    const created = await app.request('POST', '/v1/webhooks', { body: { url: 'https://93.184.215.14/hooks', types: TYPES, description: 'crm' } });
    expect(created.status).toBe(201);
    const { id, secret } = created.body as { id: string; secret: string };
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const position = String(created.headers['x-event-position']);
    const one = await app.request('GET', `/v1/webhooks/${id}`, { headers: { 'x-consistent-with': position } });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id, url: 'https://93.184.215.14/hooks', types: TYPES, description: 'crm', status: 'enabled' });
    const list = await app.request('GET', '/v1/webhooks');
    const patched = await app.request('PATCH', `/v1/webhooks/${id}`, { body: { types: ['user.registered', 'user.erased'] } });
    expect(patched.body.types).toEqual(['user.erased', 'user.registered']);
    const rotated = await app.request('POST', `/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);
    for (const response of [one, list, patched]) {
      expect(response.text).not.toContain(secret);
      expect(response.text).not.toContain('whsec_');
    }
    const logs = app.logs.join('\n');
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(rotated.body.secret);
    // Only the scope webhooks may manage endpoints; unknown ones are 404 problems.
    expect((await app.request('GET', '/v1/webhooks/00000000-0000-4000-8000-000000000000')).body.code).toBe('webhook_not_found');
    expect((await app.request('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
    expect((await app.request('POST', `/v1/webhooks/${id}/rotate-secret`)).body.code).toBe('webhook_not_found');
  }, 30_000);
});
