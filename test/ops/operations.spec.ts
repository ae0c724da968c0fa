import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { EVENT_STORE } from '../../apps/api/src/infrastructure/tokens';
import { PROJECTION_NAMES } from '@accounts/projections/ops/projection-operations';
import { comparePositions, type EventStore, type NewEvent, parsePosition } from '@accounts/event-store';
import { createTestApp, EVENT_STORES, type TestApp } from '../support/app';
import { readModelRows, withFreshReadModel } from '../support/fresh-build';
import { dropTemplate } from '../support/postgres';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Blue/green rebuilds of all three projections while commands and queries keep coming (issue #5): every query answers
 * from the live version throughout, read-your-writes holds across the swap, and the new version equals a fresh build.
 * Redis DB 9 is this file's; the suites run one after another.
 */
describe.each(EVENT_STORES)('blue/green rebuilds under load (%s)', (store) => {
  jest.setTimeout(180_000);
  let t: TestApp;
  let eventStore: EventStore;
  beforeAll(async () => {
    t = await createTestApp({ redisDb: 9, eventStore: store });
    eventStore = t.app.get<EventStore>(EVENT_STORE);
  });
  afterAll(async () => {
    await t.close();
    await dropTemplate();
  });

  /** Organization history written straight to the store, so the rebuild has tens of thousands of events to chew. */
  async function seedHistory(organizations: number): Promise<void> {
    const metadata = () => ({ occurredAt: new Date().toISOString(), schemaVersion: 1 });
    const event = (type: string, data: Record<string, unknown>): NewEvent => ({ id: randomUUID(), type, data, metadata: metadata() });
    const queue = Array.from({ length: organizations }, (_, i) => i);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          const organizationId = randomUUID();
          const ownerId = randomUUID();
          const at = new Date().toISOString();
          await eventStore.appendToStream(`organization-${organizationId}`, [
            event('OrganizationCreated', { organizationId, name: `Seeded ${i}`, plan: 'free', ownerId, createdAt: at }),
            event('MemberJoined', { organizationId, userId: ownerId, role: 'owner', joinedAt: at }),
            ...Array.from({ length: 8 }, (_, n) => event('OrganizationRenamed', { organizationId, name: `Seeded ${i}.${n}`, renamedAt: at })),
          ]);
        }
      }),
    );
  }

  async function register(): Promise<string> {
    const response = await t.request('POST', '/v1/users', { body: { email: `load-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery' } });
    expect(response.status).toBe(201);
    return response.body.id;
  }

  async function caughtUp(): Promise<void> {
    for (let i = 0; i < 1_200; i++) {
      const items = (await t.request('GET', '/v1/ops/projections')).body.items as { lagEvents: number }[];
      if (items.length >= PROJECTION_NAMES.length && items.every((item) => item.lagEvents === 0)) return;
      await sleep(100);
    }
    throw new Error('the projections did not catch up');
  }

  async function waitUntilLive(name: string, version: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const { body } = await t.request('GET', '/v1/ops/projections');
      const rows = (body.items as { name: string; version: number; state: string }[]).filter((item) => item.name === name);
      if (rows.length === 1 && rows[0]!.version === version && rows[0]!.state === 'live') return Date.now() - started;
      if (Date.now() - started > 120_000) throw new Error(`${name} v${version} did not go live: ${JSON.stringify(rows)}`);
      await sleep(100);
    }
  }

  test('the read model, sessions and search are rebuilt beside the live versions while every query keeps answering', async () => {
    // 30,000 events on PostgreSQL; 3,000 on the in-process EventStoreDB double, which serves catch-up far slower.
    const seededOrganizations = store === 'postgres' ? 3_000 : 300;
    await seedHistory(seededOrganizations);
    await caughtUp(); // so the reads below wait on the commands, not on the first catch-up (slower on EventStoreDB)
    const owner = await register();
    const members = await Promise.all(Array.from({ length: 12 }, () => register()));
    const created = await t.request('POST', '/v1/organizations', { body: { name: 'Rebuild Load Inc' }, headers: { 'x-actor-id': owner } });
    const organizationId: string = created.body.id;
    const login = await t.request('POST', '/v1/sessions', {
      body: { email: (await t.request('GET', `/v1/users/${owner}`, { headers: { 'x-consistent-with': created.headers['x-event-position'] as string } })).body.email, password: 'correct horse battery' },
    });
    expect(login.status).toBe(201);
    const token: string = login.body.token;
    // The readers validate without waiting: make sure the sessions projection has the login before they start.
    const validated = await t.request('GET', '/v1/sessions/current', { headers: { 'x-session-token': token, 'x-consistent-with': String(login.headers['x-event-position']) } });
    expect(validated.status).toBe(200);

    // What callers have been told so far: the last position written and the members added by then.
    let known = { position: String(created.headers['x-event-position']), members: 1 };
    const failures: string[] = [];
    let queries = 0;
    let stop = false;

    const commands = (async () => {
      for (const [i, member] of members.entries()) {
        if (stop) break;
        const added = await t.request('POST', `/v1/organizations/${organizationId}/members`, { body: { userId: member, role: 'member' }, headers: { 'x-actor-id': owner } });
        if (added.status !== 201) failures.push(`add member: ${added.status}`);
        else known = { position: String(added.headers['x-event-position']), members: i + 2 };
        const renamed = await t.request('PATCH', `/v1/organizations/${organizationId}`, { body: { name: `Rebuild Load ${i}` }, headers: { 'x-actor-id': owner } });
        if (renamed.status !== 200) failures.push(`rename: ${renamed.status}`);
        await sleep(150);
      }
    })();
    const reader = async () => {
      while (!stop) {
        const seen = known;
        const headers = { 'x-consistent-with': seen.position };
        const [organization, page, user, session, search] = await Promise.all([
          t.request('GET', `/v1/organizations/${organizationId}`, { headers }),
          t.request('GET', `/v1/organizations/${organizationId}/members?limit=100`, { headers }),
          t.request('GET', `/v1/users/${owner}`, { headers }),
          t.request('GET', '/v1/sessions/current', { headers: { 'x-session-token': token } }),
          t.request('GET', '/v1/search/organizations?q=Rebuild', { headers }),
        ]);
        queries += 5;
        if (organization.status !== 200 || organization.body.memberCount < seen.members) failures.push(`organization: ${organization.status} ${organization.body.memberCount}`);
        if (page.status !== 200 || page.body.items.length < seen.members) failures.push(`members: ${page.status} ${page.body.items?.length}`);
        if (user.status !== 200 || user.body.memberships.length !== 1) failures.push(`user: ${user.status}`);
        if (session.status !== 200) failures.push(`session: ${session.status}`);
        if (search.status !== 200 || !search.body.items.some((item: { id: string }) => item.id === organizationId)) failures.push(`search: ${search.status}`);
      }
    };
    const readers = Promise.all([reader(), reader(), reader()]);

    const durations: Record<string, number> = {};
    for (const name of ['read_model', 'sessions', 'search']) {
      const asked = await t.request('POST', `/v1/ops/projections/${name}/rebuild`);
      expect([asked.status, asked.body]).toEqual([202, expect.objectContaining({ projection: name, version: 2, state: 'building', resumed: false })]);
      // Asking again while it runs finds the same rebuild.
      expect((await t.request('POST', `/v1/ops/projections/${name}/rebuild`)).body).toMatchObject({ version: 2, resumed: true });
      durations[name] = await waitUntilLive(name, 2);
    }
    await commands;
    stop = true;
    await readers;

    expect(failures).toEqual([]);
    expect(queries).toBeGreaterThan(50);

    // The old versions are gone: tables dropped, Redis keys deleted; the views and the pointer name version 2.
    const pool = t.database.pool;
    const tables = await pool.query(`SELECT to_regclass('users_v1') AS users, to_regclass('search_users_v1') AS search`);
    expect(tables.rows[0]).toEqual({ users: null, search: null });
    const view = await pool.query(`SELECT definition FROM pg_views WHERE viewname = 'memberships'`);
    expect(view.rows[0].definition).toContain('memberships_v2');
    expect(await t.redis.get('sessions:live-version')).toBe('2');
    expect(await t.redis.keys('sessions:{v1}:*')).toEqual([]);
    expect((await t.request('GET', '/v1/sessions/current', { headers: { 'x-session-token': token } })).status).toBe(200);

    // After the swap, the read model equals one built fresh from position 0.
    const head = await eventStore.headPosition();
    await t.request('GET', `/v1/organizations/${organizationId}`, { headers: { 'x-consistent-with': `${head!.commit}-${head!.prepare}` } });
    const rebuilt = await readModelRows(pool, 2);
    const fresh = await withFreshReadModel(t, (database) => readModelRows(database.pool, 1));
    expect(rebuilt.organizations.length).toBe(seededOrganizations + 1);
    expect(rebuilt).toEqual(fresh);
    process.stdout.write(`rebuilds under load (${store}): ${JSON.stringify(durations)} ms, ${queries} queries, 0 failures\n`);
  });

  test('an unknown projection is a 404 problem; pause stops a projection and resume catches it up', async () => {
    const unknown = await t.request('POST', '/v1/ops/projections/nope/rebuild');
    expect([unknown.status, unknown.body.code, unknown.headers['content-type']]).toEqual([404, 'projection_not_found', expect.stringContaining('application/problem+json')]);

    expect((await t.request('POST', '/v1/ops/projections/read_model/pause')).status).toBe(200);
    await sleep(1_200); // two ticks: the owning supervisor has stopped the runner
    const user = await register();
    const status = async () => ((await t.request('GET', '/v1/ops/projections')).body.items as { name: string; paused: boolean; lagEvents: number }[]).find((p) => p.name === 'read_model')!;
    await sleep(800);
    await expect(status()).resolves.toMatchObject({ paused: true });
    expect((await status()).lagEvents).toBeGreaterThan(0);
    expect((await t.request('GET', `/v1/users/${user}`)).status).toBe(404);

    expect((await t.request('POST', '/v1/ops/projections/read_model/resume')).status).toBe(200);
    const head = await eventStore.headPosition();
    const found = await t.request('GET', `/v1/users/${user}`, { headers: { 'x-consistent-with': `${head!.commit}-${head!.prepare}` } });
    expect(found.status).toBe(200);
    expect((await status()).paused).toBe(false);
  });

  test('every operator action over HTTP is in the trail with its service and actor; GET /v1/ops/actions pages it newest first', async () => {
    const operator = await register();
    const trail = async () => Number((await t.database.pool.query('SELECT count(*) AS n FROM operator_actions')).rows[0].n);
    const before = await trail();
    const as = { headers: { 'x-actor-id': operator.toUpperCase() } }; // ids are case-insensitive; stored lower case

    expect((await t.request('POST', '/v1/ops/projections/mail/pause', as)).status).toBe(200);
    expect((await t.request('POST', '/v1/ops/projections/mail/pause', as)).status).toBe(200);
    expect((await t.request('POST', '/v1/ops/projections/mail/resume')).status).toBe(200); // no X-Actor-Id: the service only
    const rebuild = await t.request('POST', '/v1/ops/projections/invitations/rebuild', as);
    expect(rebuild.status).toBe(202);
    const retry = await t.request('POST', '/v1/ops/projections/read_model/retry-dead-letters', as);
    expect(retry.status).toBe(202);

    // Refused actions do nothing and record nothing: an unknown projection (whatever the caller typed is not kept),
    // and an actor who is no user (API.md: an unknown user is never an actor).
    const unknown = await t.request('POST', '/v1/ops/projections/nope/pause', as);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'projection_not_found']);
    const stranger = await t.request('POST', '/v1/ops/projections/mail/pause', { headers: { 'x-actor-id': randomUUID() } });
    expect([stranger.status, stranger.body.code]).toEqual([404, 'user_not_found']);
    const mail = ((await t.request('GET', '/v1/ops/projections')).body.items as { name: string; paused: boolean }[]).find((p) => p.name === 'mail')!;
    expect(mail.paused).toBe(false);
    expect(await trail()).toBe(before + 5);

    const first = await t.request('GET', '/v1/ops/actions?limit=3');
    expect(first.status).toBe(200);
    const second = await t.request('GET', `/v1/ops/actions?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.status).toBe(200);
    const http = { door: 'http', service: 'dev' };
    expect([...first.body.items, ...second.body.items]).toEqual([
      { ...http, actorId: operator, action: 'retry-dead-letters', projection: 'read_model', outcome: 'requested', version: null, requestId: retry.body.requestId, at: expect.any(String) },
      { ...http, actorId: operator, action: 'rebuild', projection: 'invitations', outcome: 'started', version: rebuild.body.version, requestId: null, at: expect.any(String) },
      { ...http, actorId: null, action: 'resume', projection: 'mail', outcome: 'resumed', version: null, requestId: null, at: expect.any(String) },
      { ...http, actorId: operator, action: 'pause', projection: 'mail', outcome: 'already_paused', version: null, requestId: null, at: expect.any(String) },
      { ...http, actorId: operator, action: 'pause', projection: 'mail', outcome: 'paused', version: null, requestId: null, at: expect.any(String) },
    ]);
    expect(Date.parse(first.body.items[0].at)).toBeGreaterThanOrEqual(Date.parse(second.body.items[1].at));
    const forged = await t.request('GET', '/v1/ops/actions?cursor=bm90LWFuLWlk');
    expect([forged.status, forged.body.code]).toEqual([422, 'validation_failed']);
  });

  test('retry-dead-letters applies parked events again and marks them resolved', async () => {
    const owner = await register();
    const created = await t.request('POST', '/v1/organizations', { body: { name: 'Before' }, headers: { 'x-actor-id': owner } });
    const renamed = await t.request('PATCH', `/v1/organizations/${created.body.id}`, { body: { name: 'After' }, headers: { 'x-actor-id': owner } });
    const position = String(renamed.headers['x-event-position']);
    expect((await t.request('GET', `/v1/organizations/${created.body.id}`, { headers: { 'x-consistent-with': position } })).body.name).toBe('After');

    // As if the rename had failed to apply (a bug since fixed): its effect is missing and it sits in the dead letters.
    const [renameEvent] = (await eventStore.readStream(`organization-${created.body.id}`)).filter((event) => event.type === 'OrganizationRenamed');
    const { rows } = await t.database.pool.query(`SELECT version FROM projection_checkpoints WHERE projection = 'read_model' AND state = 'live'`);
    const version: number = rows[0].version;
    await t.database.pool.query(`UPDATE organizations_v${version} SET name = 'Before' WHERE id = $1`, [created.body.id]);
    await t.database.pool.query(
      `INSERT INTO projection_dead_letters (projection, version, event_id, event_type, stream_name, position_commit, position_prepare, error, failed_at)
       VALUES ('read_model', $1, $2, 'OrganizationRenamed', $3, $4, $5, 'SomeBug', now() - interval '1 minute')`,
      [version, renameEvent!.id, renameEvent!.streamName, renameEvent!.position.commit.toString(), renameEvent!.position.prepare.toString()],
    );

    // Two operators ask at once (both requests pending in the same tick of the supervisor): both are carried out.
    const asked = await Promise.all([1, 2].map(() => t.request('POST', '/v1/ops/projections/read_model/retry-dead-letters')));
    expect(asked.map((response) => response.status)).toEqual([202, 202]);
    const outcomes: unknown[] = [];
    for (const { body } of asked) {
      let outcome: unknown;
      for (let i = 0; i < 100 && !outcome; i++) {
        const request = await t.database.pool.query('SELECT outcome FROM projection_requests WHERE id = $1 AND finished_at IS NOT NULL', [body.requestId]);
        outcome = request.rows[0]?.outcome;
        if (!outcome) await sleep(100);
      }
      outcomes.push(outcome);
    }
    expect(outcomes).toEqual([{ retried: 1, resolved: 1, stillFailing: 0 }, { retried: 1, resolved: 1, stillFailing: 0 }]);
    expect((await t.request('GET', `/v1/organizations/${created.body.id}`, { headers: { 'x-consistent-with': position } })).body.name).toBe('After');
    const letters = await t.database.pool.query(`SELECT count(*)::int AS n FROM projection_dead_letters WHERE projection = 'read_model' AND resolved_at IS NULL`);
    expect(letters.rows[0].n).toBe(0);
  });
});

/**
 * Scale-out (issue #5): two projector processes on the same stores; each projection runs in exactly one. Killing the
 * active process (SIGKILL, mid-batch or not) hands every projection to the other within seconds, and the result
 * equals a fresh build: nothing lost, nothing applied twice.
 */
describe('two projector processes', () => {
  jest.setTimeout(180_000);
  let t: TestApp;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    t = await createTestApp({ redisDb: 9, env: { RUN_PROJECTORS: 'false' } });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await t.close();
    await dropTemplate();
  });

  function startProjector(): ChildProcess {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'projections/src/main.ts'], {
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: t.config.databaseUrl, REDIS_URL: t.config.redisUrl, LOG_LEVEL: 'info', RUN_PROJECTORS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    return child;
  }

  async function holders(): Promise<Map<string, string>> {
    const { rows } = await t.database.pool.query(`SELECT projection, holder FROM projection_leases WHERE heartbeat_at > now() - interval '2 seconds'`);
    return new Map(rows.map((row: { projection: string; holder: string }) => [row.projection, row.holder]));
  }

  async function waitForHolder(pid: number, timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      const held = await holders();
      // Every named projection (and whatever else holds a lease, such as the webhook endpoints) held by that process.
      if (PROJECTION_NAMES.every((name) => held.has(name)) && [...held.values()].every((holder) => holder.endsWith(`:${pid}`))) return Date.now() - started;
      await sleep(50);
    }
    throw new Error(`process ${pid} did not hold every projection within ${timeoutMs} ms: ${JSON.stringify([...(await holders())])}`);
  }

  test('kill the active one: the other takes every projection over, and nothing is lost or doubled', async () => {
    const first = startProjector();
    await waitForHolder(first.pid!, 60_000);
    const second = startProjector();
    const secondLog: string[] = [];
    second.stdout!.on('data', (chunk: Buffer) => secondLog.push(chunk.toString()));
    for (let i = 0; i < 600 && !secondLog.join('').includes('projections started'); i++) await sleep(100);
    // The named projections, then the webhook endpoints' projection (not an operator's to name; webhooks run beside).
    expect(secondLog.join('')).toContain(`"standby":${JSON.stringify([...PROJECTION_NAMES, 'webhooks'])}`);

    const password = 'correct horse battery';
    const people = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const email = `failover-${randomUUID().slice(0, 8)}@example.com`;
        const response = await t.request('POST', '/v1/users', { body: { email, password } });
        return { id: response.body.id as string, email };
      }),
    );
    let stop = false;
    let commands = 0;
    const load = Promise.all(
      people.map(async (person, p) => {
        const created = await t.request('POST', '/v1/organizations', { body: { name: `Failover ${p}` }, headers: { 'x-actor-id': person.id } });
        for (let i = 0; !stop; i++) {
          const other = people[(p + 1 + (i % (people.length - 1))) % people.length]!;
          const step =
            i % 3 === 0
              ? t.request('POST', `/v1/organizations/${created.body.id}/members`, { body: { userId: other.id, role: 'member' }, headers: { 'x-actor-id': person.id } })
              : i % 3 === 1
                ? t.request('DELETE', `/v1/organizations/${created.body.id}/members/${other.id}`, { headers: { 'x-actor-id': person.id } })
                : t.request('POST', '/v1/sessions', { body: { email: person.email, password } });
          const response = await step;
          if (response.status < 500) commands++;
        }
      }),
    );

    await sleep(1_500);
    first.kill('SIGKILL');
    const killedAt = Date.now();
    const takeoverMs = await waitForHolder(second.pid!, 15_000);
    await sleep(1_500);
    stop = true;
    await load;

    // The survivor catches up with everything written, before, during and after the takeover.
    const head = await t.app.get<EventStore>(EVENT_STORE).headPosition();
    const consistent = { 'x-consistent-with': `${head!.commit}-${head!.prepare}` };
    expect((await t.request('GET', `/v1/users/${people[0]!.id}`, { headers: consistent })).status).toBe(200);
    expect((await t.request('GET', `/v1/search/users?q=failover`, { headers: consistent })).status).toBe(200);
    const rebuilt = await readModelRows(t.database.pool, 1);
    const fresh = await withFreshReadModel(t, (database) => readModelRows(database.pool, 1));
    expect(rebuilt.memberships.length).toBeGreaterThan(6);
    expect(rebuilt).toEqual(fresh);
    // Sessions: one token per login, each stored once (a doubled login would still be one key; a lost one is missing).
    const logins = (await t.allEvents()).filter((event) => event.type === 'UserLoggedIn');
    const sessionsCheckpoint = await t.redis.get('sessions:{v1}:checkpoint');
    // At or past the head read above: events committed before it may become visible only later, once another
    // database's transaction of the shared cluster ends (the visibility horizon is cluster-wide).
    expect(comparePositions(parsePosition(sessionsCheckpoint!)!, head!)).toBeGreaterThanOrEqual(0);
    expect((await t.redis.keys('sessions:{v1}:token:*')).length).toBe(logins.length);
    process.stdout.write(`failover: takeover ${takeoverMs} ms after SIGKILL (${Date.now() - killedAt} ms to settle), ${commands} commands, ${logins.length} logins\n`);
  });
});
