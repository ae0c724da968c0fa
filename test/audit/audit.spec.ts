import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { DEVELOPMENT_SERVICE_KEYS } from '@accounts/config';
import { createTestApp, TEST_CLIENT_IP, type TestApp } from '../support/app';
import { dropTemplate } from '../support/postgres';

const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');
const REVIEWER_KEY = 'reviewer-key-without-pii';
/** The development key has no `audit:pii` (README): unmasked reads need a key of their own. */
const PII_KEY = 'compliance-key-with-pii';
const QUERIES_KEY = 'queries-only-key';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Audit reviewers through HTTP (issue #6): history, masking, the audit of unmasked reads, time travel, export. */
describe('audit', () => {
  jest.setTimeout(180_000);
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      redisDb: 1,
      env: { SERVICE_KEYS: [DEVELOPMENT_SERVICE_KEYS, `reviewer:${sha256(REVIEWER_KEY)}:audit`, `compliance:${sha256(PII_KEY)}:audit+audit:pii`, `billing:${sha256(QUERIES_KEY)}:queries`].join(',') },
    });
  });
  afterAll(async () => {
    await t.close();
    await dropTemplate();
  });

  const readsRecorded = async () => (await t.allEvents()).filter((event) => event.type === 'PersonalDataRead');

  async function person(email: string) {
    const created = await t.request('POST', '/v1/users', { body: { email, password: 'correct horse battery' }, headers: { 'x-correlation-id': 'corr-register' } });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  test('history: oldest first with who, when, why and the data; masked without audit:pii; unmasked reads are recorded', async () => {
    const id = await person('Alice.Audit@example.com');
    const login = await t.request('POST', '/v1/sessions', { body: { email: 'alice.audit@example.com', password: 'correct horse battery' } });
    expect(login.status).toBe(201);
    await t.request('POST', `/v1/users/${id}/email`, { body: { email: 'alice.new@example.org' }, headers: { 'x-actor-id': id } });

    const before = (await readsRecorded()).length;
    const masked = await t.request('GET', `/v1/audit/users/${id}/events`, { key: REVIEWER_KEY });
    expect(masked.status).toBe(200);
    expect(masked.body.items.map((item: { type: string; revision: string }) => [item.revision, item.type])).toEqual([
      ['0', 'UserRegistered'],
      ['1', 'EmailVerificationIssued'],
      ['2', 'UserLoggedIn'],
      ['3', 'UserEmailChanged'],
      ['4', 'EmailVerificationIssued'],
    ]);
    const [registered, issued, loggedIn, changed] = masked.body.items;
    // A mailed token's hash is a secret: an audit reviewer sees that one was issued, never the hash.
    expect(JSON.stringify(issued.data)).not.toMatch(/[0-9a-f]{64}/);
    expect(registered).toMatchObject({
      streamName: `user-${id}`,
      position: expect.stringMatching(/^\d+-\d+$/),
      occurredAt: expect.any(String),
      service: 'dev',
      correlationId: 'corr-register',
      causationId: expect.any(String),
      data: { userId: id, email: 'a***@e***.com', passwordHash: '[redacted]' },
    });
    expect(loggedIn).toMatchObject({ clientIp: '203.0.113.0/24', data: { ip: '203.0.113.0/24', tokenHash: '[redacted]' } });
    expect(changed).toMatchObject({ actor: id, data: { email: 'a***@e***.org' } });
    expect(JSON.stringify(masked.body)).not.toMatch(/alice|argon2|203\.0\.113\.77/i);
    expect(await readsRecorded()).toHaveLength(before); // a masked read is not a read of personal data

    const unmasked = await t.request('GET', `/v1/audit/users/${id}/events`, { key: PII_KEY, headers: { 'x-actor-id': randomUUID(), 'x-correlation-id': 'corr-review' } });
    expect(unmasked.body.items[0].data).toEqual({ userId: id, email: 'alice.audit@example.com', passwordHash: '[redacted]', registeredAt: expect.any(String) });
    expect(unmasked.body.items[2]).toMatchObject({ clientIp: TEST_CLIENT_IP, data: { ip: TEST_CLIENT_IP } });
    const recorded = await readsRecorded();
    expect(recorded).toHaveLength(before + 1);
    expect(recorded.at(-1)).toMatchObject({
      streamName: expect.stringMatching(/^audit-read-[0-9a-f-]{36}$/),
      data: { readBy: 'compliance', subject: { kind: 'history', stream: `user-${id}` } },
      metadata: { correlationId: 'corr-review', service: 'compliance' },
    });

    expect((await t.request('GET', `/v1/audit/users/${id}/events`, { key: null })).status).toBe(401);
    const forbidden = await t.request('GET', `/v1/audit/users/${id}/events`, { key: QUERIES_KEY });
    expect([forbidden.status, forbidden.body.code]).toEqual([403, 'forbidden']);
    const unknown = await t.request('GET', `/v1/audit/organizations/${randomUUID()}/events`);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'organization_not_found']);
  });

  test('after erasure the history still shows every event, with the personal fields marked erased', async () => {
    const id = await person(`erased-${randomUUID().slice(0, 6)}@example.com`);
    const erased = await t.request('DELETE', `/v1/users/${id}`);
    expect(erased.status).toBe(202);
    const history = await t.request('GET', `/v1/audit/users/${id}/events`, { key: PII_KEY });
    expect(history.body.items.map((item: { type: string }) => item.type)).toEqual(['UserRegistered', 'EmailVerificationIssued', 'UserErased']);
    expect(history.body.items[0]).toMatchObject({ clientIp: '[erased]', data: { userId: id, email: '[erased]', passwordHash: '[erased]' } });
    const masked = await t.request('GET', `/v1/audit/users/${id}/events`, { key: REVIEWER_KEY });
    expect(masked.body.items[0].data).toMatchObject({ email: '[erased]', passwordHash: '[erased]' });
    const state = await t.request('GET', `/v1/audit/users/${id}/state?at=0`, { key: REVIEWER_KEY });
    expect(state.body.state).toMatchObject({ status: 'active', email: '[erased]', passwordHash: '[erased]' });
  });

  test('state at a revision and at a time equals what the read model answered then', async () => {
    const owner = await person(`owner-${randomUUID().slice(0, 6)}@example.com`);
    const member = await person(`member-${randomUUID().slice(0, 6)}@example.com`);
    const created = await t.request('POST', '/v1/organizations', { body: { name: 'Time Travel Ltd' }, headers: { 'x-actor-id': owner } });
    const id: string = created.body.id;
    const seen: { at: string; organization: { name: string; memberCount: number } }[] = [];
    const snapshot = async (position: unknown) => {
      const organization = (await t.request('GET', `/v1/organizations/${id}`, { headers: { 'x-consistent-with': String(position) } })).body;
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push({ at: new Date().toISOString(), organization });
    };
    await snapshot(created.headers['x-event-position']);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await snapshot((await t.request('POST', `/v1/organizations/${id}/members`, { body: { userId: member, role: 'member' }, headers: { 'x-actor-id': owner } })).headers['x-event-position']);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await snapshot((await t.request('PATCH', `/v1/organizations/${id}`, { body: { name: 'Time Travelled Ltd' }, headers: { 'x-actor-id': owner } })).headers['x-event-position']);

    for (const { at, organization } of seen) {
      const then = await t.request('GET', `/v1/audit/organizations/${id}/state?at=${encodeURIComponent(at)}`, { key: REVIEWER_KEY });
      expect(then.status).toBe(200);
      expect(then.body.state).toMatchObject({ status: 'active', organizationId: id, name: organization.name, ownerId: owner });
      expect(Object.keys(then.body.state.members)).toHaveLength(organization.memberCount);
    }
    const atRevision = await t.request('GET', `/v1/audit/organizations/${id}/state?at=0`, { key: REVIEWER_KEY });
    expect(atRevision.body).toMatchObject({ revision: '0', state: { name: 'Time Travel Ltd', members: {} } });
    const beforeAll = await t.request('GET', `/v1/audit/organizations/${id}/state?at=2000-01-01T00:00:00Z`, { key: REVIEWER_KEY });
    expect(beforeAll.body).toMatchObject({ revision: null, state: { status: 'none' } });

    const user = await t.request('GET', `/v1/audit/users/${member}/state?at=0`, { key: REVIEWER_KEY });
    expect(user.body.state).toMatchObject({ status: 'active', userId: member, email: 'm***@e***.com', passwordHash: '[redacted]' });
    const bad = await t.request('GET', `/v1/audit/users/${member}/state?at=yesterday`);
    expect([bad.status, bad.body.code, bad.body.errors?.[0]?.field]).toEqual([422, 'validation_failed', 'at']);
  });

  test('export: NDJSON of a window, by type and by actor, masked without audit:pii, and the audit reads are in it', async () => {
    const from = new Date().toISOString();
    const actor = await person(`exported-${randomUUID().slice(0, 6)}@example.com`);
    await t.request('POST', '/v1/organizations', { body: { name: 'Exported' }, headers: { 'x-actor-id': actor } });
    await t.request('GET', `/v1/audit/users/${actor}/events`, { key: PII_KEY }); // an unmasked read: recorded
    const to = new Date().toISOString();

    const exported = await t.request('GET', `/v1/audit/events?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { key: REVIEWER_KEY });
    expect([exported.status, exported.headers['content-type']]).toEqual([200, 'application/x-ndjson; charset=utf-8']);
    const lines = exported.text.trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; actor: string | null; data: Record<string, unknown> });
    expect(lines.map((line) => line.type)).toEqual(expect.arrayContaining(['UserRegistered', 'OrganizationCreated', 'MemberJoined', 'PersonalDataRead']));
    expect(lines.find((line) => line.type === 'UserRegistered')!.data['email']).toBe('e***@e***.com');

    const byActor = await t.request('GET', `/v1/audit/events?from=${encodeURIComponent(from)}&actorId=${actor}&type=OrganizationCreated,MemberJoined`, { key: REVIEWER_KEY });
    expect(byActor.text.trimEnd().split('\n').map((line) => JSON.parse(line).type)).toEqual(['OrganizationCreated', 'MemberJoined']);
    const invalid = await t.request('GET', '/v1/audit/events?from=last-week');
    expect([invalid.status, invalid.body.code]).toEqual([422, 'validation_failed']);
  });

  test('an export of 1,000,000 events streams from a service limited to 128 MB of heap', async () => {
    // A million organization events written straight into the PostgreSQL event store (no personal data to open).
    await t.database.pool.query(`
      INSERT INTO es_events (event_id, stream_name, stream_revision, event_type, data, metadata)
      SELECT gen_random_uuid(), 'organization-' || o.id, r,
             CASE r WHEN 0 THEN 'OrganizationCreated' ELSE 'OrganizationRenamed' END,
             jsonb_build_object('organizationId', o.id, 'name', 'Bulk ' || r, 'plan', 'free', 'ownerId', o.id),
             jsonb_build_object('occurredAt', '2026-01-01T00:00:00.000Z', 'service', 'bulk', 'actorId', o.id)
        FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 100000)) o, generate_series(0, 9) r`);

    // The service in a process of its own whose heap cannot hold the export (about 300 MB of NDJSON): if it buffered,
    // it would die of it.
    const port = await freePort();
    const service = spawn(process.execPath, ['--max-old-space-size=128', '-r', '@swc-node/register', 'apps/api/src/main.ts'], {
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: t.config.databaseUrl, REDIS_URL: t.config.redisUrl, SERVICE_KEYS: t.config.serviceKeys, RUN_PROJECTORS: 'false', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    try {
      for (let i = 0; !(await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => undefined))?.ok; i++) {
        if (i > 600 || service.exitCode !== null) throw new Error('the service did not start');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const rss = (field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${service.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      const rssBefore = rss('VmRSS');
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/v1/audit/events?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:01Z`, { headers: { authorization: `Bearer ${REVIEWER_KEY}` } });
      expect(response.status).toBe(200);
      let lines = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) for (const byte of chunk) if (byte === 10) lines++;
      const seconds = (performance.now() - started) / 1000;
      const peakRss = rss('VmHWM');
      expect(lines).toBe(1_000_000);
      expect(service.exitCode).toBeNull();
      // Nor outside the heap (socket buffers): the process grew by far less than the export's size.
      expect(peakRss - rssBefore).toBeLessThan(200);
      process.stdout.write(
        `export: 1,000,000 events in ${seconds.toFixed(1)} s (${Math.round(1_000_000 / seconds).toLocaleString('en-US')} events/s); service RSS ${Math.round(rssBefore)} MB before, peak ${Math.round(peakRss)} MB\n`,
      );
    } finally {
      service.kill('SIGKILL');
    }
  }, 420_000); // about 75 s alone; on a shared 2-core machine beside the other suites it has taken over 180 s
});
