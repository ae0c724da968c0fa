import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ProjectedEvent } from '@accounts/projections/runtime/projected-event';
import { eventStream } from '@accounts/projections/testing/projected-events';
import { RedisSessionsSink } from '@accounts/projections/sessions/redis-sessions.sink';
import { SessionReader, SessionsUnavailableError } from '@accounts/projections/sessions/session-reader';
import { SessionKeys } from '@accounts/projections/sessions/session-keys';
import { DeadLetterRecorder } from '@accounts/projections/runtime/dead-letters';
import { createTestDatabase, dropTemplate } from '../support/postgres';
import { testRedisUrl } from '../support/redis';

// Redis database 11 belongs to this file (each test file that touches Redis takes its own number).
const REDIS_URL = testRedisUrl(11);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An event of the user's stream as the sessions projection receives it (decoded; the time fields filled in). */
function event(userId: string, type: string, data: Record<string, unknown>): ProjectedEvent {
  return eventStream(`user-${userId}`).partial(type, data);
}

function login(userId: string, { ttlMs = 60_000, at = Date.now() } = {}) {
  const token = randomBytes(32).toString('base64url');
  const tokenHash = createHash('sha256').update(token).digest('hex');
  const sessionId = randomUUID();
  const loggedInAt = new Date(at).toISOString();
  const loggedIn = event(userId, 'UserLoggedIn', {
    sessionId,
    tokenHash,
    expiresAt: new Date(at + ttlMs).toISOString(),
    at: loggedInAt,
  });
  return { token, tokenHash, sessionId, at: loggedInAt, event: loggedIn };
}

describe('sessions projection in Redis', () => {
  // Making a PostgreSQL database (the dead-letter test) took over 5 s beside other suites on a busy 2-core machine.
  jest.setTimeout(30_000);
  let redis: Redis;
  beforeEach(async () => {
    redis = new Redis(REDIS_URL);
    await redis.flushdb();
  });
  afterEach(async () => {
    await redis.quit();
  });

  async function project(events: ProjectedEvent[], sink = new RedisSessionsSink(redis, { version: 1, idleSeconds: 60 })) {
    await sink.prepare();
    await sink.readCheckpoint();
    await sink.applyBatch(events, events.at(-1)!.position);
    return sink;
  }

  test('a login creates a session that validates by token hash and lists without its token', async () => {
    const userId = randomUUID();
    const session = login(userId);
    await project([session.event]);
    const reader = new SessionReader(redis, 60);

    expect(await reader.validate(session.tokenHash)).toMatchObject({ sessionId: session.sessionId, userId });
    const listed = await reader.listForUser(userId);
    expect(listed.map((s) => s.sessionId)).toEqual([session.sessionId]);
    expect(JSON.stringify(listed)).not.toContain(session.tokenHash);
    // Nothing in Redis holds the token itself.
    const keys = await redis.keys('*');
    const values = await Promise.all(keys.map(async (key) => ((await redis.type(key)) === 'string' ? redis.get(key) : '')));
    expect(JSON.stringify([keys, values])).not.toContain(session.token);
  });

  test('a session expires in Redis at its absolute expiry', async () => {
    const session = login(randomUUID(), { ttlMs: 1_000 });
    await project([session.event]);
    const reader = new SessionReader(redis, 60);
    expect(await reader.validate(session.tokenHash)).toBeDefined();
    await sleep(1_300);
    expect(await reader.validate(session.tokenHash)).toBeUndefined();
    expect(await redis.exists(SessionKeys.forVersion(1).token(session.tokenHash))).toBe(0);
  });

  test('a session left idle past the idle lifetime is invalid; using it keeps it alive', async () => {
    // Generous margins: a busy CI machine may stretch each pause well beyond 500 ms without breaking the test.
    const idleSeconds = 2;
    const sink = new RedisSessionsSink(redis, { version: 1, idleSeconds });
    const [kept, idle] = [login(randomUUID()), login(randomUUID())];
    await project([kept.event, idle.event], sink);
    const reader = new SessionReader(redis, idleSeconds);
    const started = Date.now();
    while (Date.now() - started < 2_600) {
      await sleep(500);
      expect(await reader.validate(kept.tokenHash)).toBeDefined();
    }
    expect(await reader.validate(idle.tokenHash)).toBeUndefined();
  });

  test('logout, revoke-all, a password change and erasure end sessions', async () => {
    const [alice, bob, carol] = [randomUUID(), randomUUID(), randomUUID()];
    const a1 = login(alice);
    const a2 = login(alice);
    const b1 = login(bob);
    const b2 = login(bob);
    const c1 = login(carol);
    const sink = await project([a1.event, a2.event, b1.event, b2.event, c1.event]);
    const reader = new SessionReader(redis, 60);

    const changes = [
      event(alice, 'SessionRevoked', { sessionId: a1.sessionId }),
      event(bob, 'UserPasswordChanged', { passwordHash: 'sealed' }),
      event(carol, 'UserErased', {}),
    ];
    await sink.applyBatch(changes, changes.at(-1)!.position);
    expect(await reader.validate(a1.tokenHash)).toBeUndefined();
    expect(await reader.validate(a2.tokenHash)).toBeDefined();
    expect(await reader.validate(b1.tokenHash)).toBeUndefined();
    expect(await reader.validate(b2.tokenHash)).toBeUndefined();
    expect(await reader.validate(c1.tokenHash)).toBeUndefined();
    expect(await reader.listForUser(bob)).toEqual([]);

    const revokeAll = [event(alice, 'AllSessionsRevoked', {})];
    await sink.applyBatch(revokeAll, revokeAll[0]!.position);
    expect(await reader.validate(a2.tokenHash)).toBeUndefined();
    expect(await redis.keys(`sessions:{v1}:user:${alice}`)).toEqual([]);
  });

  test('a replay of the whole history recreates only the live sessions', async () => {
    const userId = randomUUID();
    const longAgo = Date.now() - 3 * 3600_000;
    const expired = login(userId, { ttlMs: 3600_000, at: longAgo });
    const revoked = login(userId);
    const idleTooLong = login(userId, { ttlMs: 8 * 3600_000, at: Date.now() - 2 * 3600_000 });
    const live = login(userId);
    const history = [expired.event, revoked.event, idleTooLong.event, live.event, event(userId, 'SessionRevoked', { sessionId: revoked.sessionId })];

    await project(history, new RedisSessionsSink(redis, { version: 1, idleSeconds: 1800 }));
    const reader = new SessionReader(redis, 1800);
    expect((await reader.listForUser(userId)).map((s) => s.sessionId)).toEqual([live.sessionId]);
    for (const gone of [expired, revoked, idleTooLong]) expect(await reader.validate(gone.tokenHash)).toBeUndefined();
  });

  test('effects and checkpoint land together; a second writer with a stale checkpoint changes nothing', async () => {
    const first = new RedisSessionsSink(redis, { version: 1, idleSeconds: 60 });
    const second = new RedisSessionsSink(redis, { version: 1, idleSeconds: 60 });
    await first.prepare();
    await first.readCheckpoint();
    await second.readCheckpoint();
    const a = login(randomUUID());
    await first.applyBatch([a.event], a.event.position);
    expect(await first.readCheckpoint()).toEqual(a.event.position);

    const b = login(randomUUID());
    await expect(second.applyBatch([b.event], b.event.position)).rejects.toThrow('CHECKPOINT_MOVED');
    expect(await new SessionReader(redis, 60).validate(b.tokenHash)).toBeUndefined();
    expect(await first.readCheckpoint()).toEqual(a.event.position);
  });

  test('an unreadable event is parked in the dead-letter table and the rest of the batch applies', async () => {
    const database = await createTestDatabase('sess');
    const sink = new RedisSessionsSink(redis, { version: 1, idleSeconds: 60, deadLetters: new DeadLetterRecorder(database.pool) });
    await sink.prepare();
    await sink.readCheckpoint();
    const good = login(randomUUID());
    const bad = event(randomUUID(), 'UserLoggedIn', { sessionId: randomUUID(), tokenHash: 'not-a-hash', expiresAt: new Date().toISOString() });
    const result = await sink.applyBatch([bad, good.event], good.event.position);
    expect(result.deadLettered).toBe(1);
    expect(await new SessionReader(redis, 60).validate(good.tokenHash)).toBeDefined();
    const parked = await database.pool.query('SELECT projection, event_id, error FROM projection_dead_letters');
    expect(parked.rows).toEqual([{ projection: 'sessions', event_id: bad.id, error: 'MalformedSessionEvent' }]);
    await database.drop();
  });

  test('an undecodable event is parked, and does not end sessions as the event it might have been would', async () => {
    const database = await createTestDatabase('sess');
    const sink = new RedisSessionsSink(redis, { version: 1, idleSeconds: 60, deadLetters: new DeadLetterRecorder(database.pool) });
    await sink.prepare();
    await sink.readCheckpoint();
    const userId = randomUUID();
    const live = login(userId);
    // A password change without its hash cannot be read: it must not be taken as "end every session".
    const unreadable = event(userId, 'UserPasswordChanged', {});
    const result = await sink.applyBatch([live.event, unreadable], unreadable.position);
    expect(result.deadLettered).toBe(1);
    expect(await new SessionReader(redis, 60).validate(live.tokenHash)).toBeDefined();
    const parked = await database.pool.query('SELECT projection, event_id, error FROM projection_dead_letters');
    expect(parked.rows).toEqual([{ projection: 'sessions', event_id: unreadable.id, error: 'undecodable: MalformedEventError passwordHash' }]);
    await database.drop();
    await dropTemplate();
  });

  test('data lost (Redis back empty): validation is unavailable, never invalid, until the rebuild is back where it was; idle deadlines come from the events', async () => {
    const idleSeconds = 1800;
    const userId = randomUUID();
    // Logged in 20 minutes ago and in use since: validation moved the idle deadline to now + 30 min.
    const inUse = login(userId, { ttlMs: 8 * 3600_000, at: Date.now() - 20 * 60_000 });
    const revoked = login(userId);
    const history = [inUse.event, revoked.event, event(userId, 'SessionRevoked', { sessionId: revoked.sessionId })];
    await project(history, new RedisSessionsSink(redis, { version: 1, idleSeconds }));
    const reader = new SessionReader(redis, idleSeconds);
    expect(await reader.validate(inUse.tokenHash)).toBeDefined();

    await redis.flushdb();
    await expect(reader.validate(inUse.tokenHash)).rejects.toBeInstanceOf(SessionsUnavailableError);
    await expect(reader.validate(revoked.tokenHash)).rejects.toBeInstanceOf(SessionsUnavailableError);
    await expect(reader.listForUser(userId)).rejects.toBeInstanceOf(SessionsUnavailableError);

    // A new sink (another process, say) knows how far the version had got only from PostgreSQL's mirror.
    const rebuilt = new RedisSessionsSink(redis, { version: 1, idleSeconds, lastKnownCheckpoint: async () => history.at(-1)!.position });
    expect(await rebuilt.ensureLive()).toEqual({ lost: true });
    expect(await rebuilt.readCheckpoint()).toBeUndefined();
    // Half-way, the login of the revoked session is back but not yet its revocation: still no answer.
    await rebuilt.applyBatch(history.slice(0, 2), history[1]!.position);
    await expect(reader.validate(revoked.tokenHash)).rejects.toBeInstanceOf(SessionsUnavailableError);
    await rebuilt.applyBatch(history.slice(2), history[2]!.position);
    expect(await rebuilt.ensureLive()).toEqual({ lost: false });

    expect(await reader.validate(revoked.tokenHash)).toBeUndefined();
    // The idle deadline is the login's plus the idle lifetime (10 minutes from now), not the rebuild's clock plus it.
    const idleDeadline = await redis.pexpiretime(SessionKeys.forVersion(1).seen(inUse.sessionId));
    expect(Math.abs(idleDeadline - (Date.parse(inUse.at) + idleSeconds * 1000))).toBeLessThan(1_000);
    expect(await reader.validate(inUse.tokenHash)).toMatchObject({ sessionId: inUse.sessionId });
  });

  test('a Redis that does not answer makes validation unavailable, not invalid', async () => {
    const dead = new Redis(1, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => undefined);
    const reader = new SessionReader(dead, 60);
    await expect(reader.validate('a'.repeat(64))).rejects.toBeInstanceOf(SessionsUnavailableError);
    await expect(reader.ownerOf(randomUUID())).rejects.toBeInstanceOf(SessionsUnavailableError);
    dead.disconnect();
  });

  test('a blue/green swap carries the idle timers over, and a reader still on the old version follows the pointer', async () => {
    const idleSeconds = 1800;
    const userId = randomUUID();
    const inUse = login(userId, { ttlMs: 8 * 3600_000, at: Date.now() - 25 * 60_000 });
    const idle = login(userId, { ttlMs: 8 * 3600_000, at: Date.now() - 25 * 60_000 });
    const old = await project([inUse.event, idle.event], new RedisSessionsSink(redis, { version: 1, idleSeconds }));
    const reader = new SessionReader(redis, idleSeconds);
    expect(await reader.validate(inUse.tokenHash)).toBeDefined(); // its idle deadline is now + 30 min; idle's is in 5
    const kept = await redis.pexpiretime(SessionKeys.forVersion(1).seen(inUse.sessionId));

    const next = await project([inUse.event, idle.event], new RedisSessionsSink(redis, { version: 2, idleSeconds }));
    await next.activate();
    await old.drop();
    expect(await redis.get(SessionKeys.LIVE_VERSION)).toBe('2');
    expect(await redis.pexpiretime(SessionKeys.forVersion(2).seen(inUse.sessionId))).toBe(kept);
    const idleDeadline = await redis.pexpiretime(SessionKeys.forVersion(2).seen(idle.sessionId));
    expect(idleDeadline).toBeLessThan(Date.now() + 6 * 60_000);
    // The reader had version 1 in mind; it answers from version 2 without a failed check.
    expect(await reader.validate(inUse.tokenHash)).toMatchObject({ sessionId: inUse.sessionId });
    expect(await redis.keys('sessions:{v1}:*')).toEqual([]);
  });

  test('a swap left half-done in Redis (its PostgreSQL transaction failed) is undone by the live version', async () => {
    const session = login(randomUUID());
    const live = await project([session.event]);
    const reader = new SessionReader(redis, 60);
    // Pointer moved and version 1 marked replaced, but the registry still says version 1 is live.
    await redis.set(SessionKeys.LIVE_VERSION, '2');
    await redis.set(SessionKeys.forVersion(1).unavailable(), 'superseded');
    await expect(reader.validate(session.tokenHash)).rejects.toBeInstanceOf(SessionsUnavailableError);

    expect(await live.ensureLive()).toEqual({ lost: false });
    expect(await redis.get(SessionKeys.LIVE_VERSION)).toBe('1');
    expect(await reader.validate(session.tokenHash)).toMatchObject({ sessionId: session.sessionId });
  });
});
