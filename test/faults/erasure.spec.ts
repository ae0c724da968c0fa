import { randomUUID } from 'node:crypto';
import { ERASURE_STEPS, EraseUserHandler, type ErasureStep } from '../../apps/api/src/users/commands/erase-user/erase-user';
import { dropTemplate } from '../support/postgres';
import { createTestApp, createTwoProcesses, TEST_CLIENT_IP, type TestApp } from '../support/app';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { expectNoPersonalDataInLogs, expectOnlyRuledOutcomes } from './fault-checks';

const PASSWORD = 'correct horse battery';

/** Members of each organization, folded from the organizations' own streams (the truth, not the read model). */
async function membersByOrganization(t: TestApp): Promise<Map<string, Set<string>>> {
  const members = new Map<string, Set<string>>();
  for (const event of await t.allEvents()) {
    if (!event.streamName.startsWith('organization-')) continue;
    const data = event.data as { userId?: string };
    const set = members.get(event.streamName) ?? new Set<string>();
    members.set(event.streamName, set);
    if (event.type === 'MemberJoined' || event.type === 'OrganizationCreated') set.add(data.userId ?? (event.data as { ownerId: string }).ownerId);
    if (event.type === 'MemberRemoved' || event.type === 'MemberLeft') set.delete(data.userId!);
  }
  return members;
}

describe('fault: erasure dies at each of its steps, and a repeat finishes it', () => {
  jest.setTimeout(180_000);
  let redis: PrivateRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    t = await createTestApp({ redisDb: 0, redisUrl: redis.url, captureLogs: true });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.destroy();
  });

  test.each(ERASURE_STEPS.map((step, i) => [step, i % 2 === 0 ? 'the same key' : 'a new key'] as const))(
    'killed after %s, then repeated with %s: everything is erased',
    async (step, repeatWith) => {
      const email = `dies.after.${step}@example.com`;
      const person = (await t.request('POST', '/v1/users', { body: { email, password: PASSWORD } })).body.id as string;
      const owner = (await t.request('POST', '/v1/users', { body: { email: `owner.${step}@example.com`, password: PASSWORD } })).body.id as string;
      const organization = (await t.request('POST', '/v1/organizations', { body: { name: `Org ${step}` }, headers: { 'x-actor-id': owner } })).body.id as string;
      const joined = await t.request('POST', `/v1/organizations/${organization}/members`, { body: { userId: person, role: 'member' }, headers: { 'x-actor-id': owner } });
      await t.request('GET', `/v1/users/${person}`, { headers: { 'x-consistent-with': String(joined.headers['x-event-position']) } });

      const handler = t.app.get(EraseUserHandler);
      handler.afterStep = async (done: ErasureStep) => {
        if (done === step) throw new Error(`killed after ${step}`);
      };
      const key = `erase-${step}-${randomUUID()}`;
      const killed = await t.request('DELETE', `/v1/users/${person}`, { headers: { 'idempotency-key': key } });
      expect(killed.status).toBe(500); // the simulated crash
      handler.afterStep = undefined;

      const repeated = await t.request('DELETE', `/v1/users/${person}`, { headers: { 'idempotency-key': repeatWith === 'the same key' ? key : `${key}-again` } });
      expect([repeated.status, repeated.body]).toEqual([202, { id: person, status: 'erased' }]);

      // Every step's effect is there.
      const after = { 'x-consistent-with': String(repeated.headers['x-event-position']) };
      expect((await t.request('GET', `/v1/users/${person}`, { headers: after })).status).toBe(404);
      const keys = await t.database.pool.query('SELECT (SELECT count(*)::int FROM data_keys WHERE subject_id = $1) AS live, (SELECT count(*)::int FROM erased_subjects WHERE subject_id = $1) AS erased', [person]);
      expect(keys.rows[0]).toEqual({ live: 0, erased: 1 });
      const history = await t.request('GET', `/v1/audit/users/${person}/events`, { headers: { 'x-actor-id': owner } });
      expect(history.status).toBe(200);
      expect(history.text.toLowerCase()).not.toContain(email);
      expect((await membersByOrganization(t)).get(`organization-${organization}`)).toEqual(new Set([owner]));
      expect((await t.request('POST', '/v1/users', { body: { email, password: PASSWORD } })).status).toBe(201); // the address is free
      expectNoPersonalDataInLogs(t.logs, [email, TEST_CLIENT_IP]);
    },
  );

  test('a repeat of a finished erasure, with a new key, is 202 and changes nothing; an unknown user is 404', async () => {
    const person = (await t.request('POST', '/v1/users', { body: { email: 'done.once@example.com', password: PASSWORD } })).body.id as string;
    expect((await t.request('DELETE', `/v1/users/${person}`)).status).toBe(202);
    const before = (await t.allEvents()).length;
    expect((await t.request('DELETE', `/v1/users/${person}`)).status).toBe(202);
    expect((await t.allEvents()).length).toBe(before);
    const unknown = await t.request('DELETE', `/v1/users/${randomUUID()}`);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'user_not_found']);
  });
});

describe('fault: erasure racing AddMember from a second process', () => {
  jest.setTimeout(300_000);
  const ROUNDS = 100;
  let redis: PrivateRedis;
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    [first, second] = await createTwoProcesses({ redisDb: 0, redisUrl: redis.url, eventStore: 'postgres' });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await redis?.destroy();
    await dropTemplate();
  });

  test(`${ROUNDS} rounds: no erased person is a member of anything once the reaction caught up`, async () => {
    const owner = (await first.request('POST', '/v1/users', { body: { email: 'race.owner@example.com', password: PASSWORD } })).body.id as string;
    const people: string[] = [];
    for (let i = 0; i < ROUNDS; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, j) => first.request('POST', '/v1/users', { body: { email: `racer.${i + j}@example.com`, password: PASSWORD } })));
      people.push(...batch.map((response) => response.body.id as string));
    }
    const organizations = await Promise.all(people.map((_, i) => first.request('POST', '/v1/organizations', { body: { name: `Race ${i}` }, headers: { 'x-actor-id': owner } })));

    const responses = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [person, organization] = [people[round]!, organizations[round]!.body.id as string];
      const jitter = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
      responses.push(
        ...(await Promise.all([
          jitter().then(() => first.request('DELETE', `/v1/users/${person}`)),
          jitter().then(() => second.request('POST', `/v1/organizations/${organization}/members`, { body: { userId: person, role: 'admin' }, headers: { 'x-actor-id': owner } })),
        ])),
      );
    }
    expectOnlyRuledOutcomes(responses);
    const joinedAfterErasureStarted = responses.filter((response, i) => i % 2 === 1 && response.status === 201).length;

    // The reaction runs in one of the two processes; give it until it has caught up.
    const erased = new Set(people);
    let remaining: string[] = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      const members = await membersByOrganization(first);
      remaining = [...members.values()].flatMap((set) => [...set].filter((userId) => erased.has(userId)));
      if (remaining.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    process.stdout.write(`fault erasure-race: ${joinedAfterErasureStarted}/${ROUNDS} AddMember succeeded beside the erasure; erased members left: ${remaining.length}\n`);
    expect(remaining).toEqual([]);
  });
});
