import { randomBytes, randomUUID } from 'node:crypto';
import { DataKeyStore, FieldSealer, masterKeyFrom } from '@accounts/privacy';
import { IdempotencyStore, RESPONSE_ERASED } from '../../apps/api/src/idempotency/idempotency-store';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';

/**
 * Each run claims an Idempotency-Key with a token of its own (migration 0018): a run completes or gives back only its
 * own claim. A run that failed in an outage gives its key back late (when PostgreSQL answers again); by then another
 * run may have taken the claim over, and releasing that run's claim would let a third run of the key start beside it.
 */
describe('idempotency claims belong to the run that made them', () => {
  jest.setTimeout(60_000);
  let database: TestDatabase;
  let sealer: FieldSealer;
  const owner = { service: 'claims-test', actor: '' };
  const state = async (key: string) =>
    (await database.pool.query<{ state: string }>(`SELECT state FROM idempotency_records WHERE idempotency_key = $1`, [key])).rows.map((row) => row.state);
  beforeAll(async () => {
    database = await createTestDatabase('claims');
    sealer = new FieldSealer(new DataKeyStore(database.pool, masterKeyFrom(randomBytes(32))));
  });
  afterAll(async () => {
    await database.drop();
    await dropTemplate();
  });

  test("a late release of a claim another run took over leaves that run's claim, and a third run is in flight", async () => {
    const stale = new IdempotencyStore(database.pool, sealer, 0); // every pending claim is stale at once: a takeover
    const first = stale.claimRequest(owner, 'late-release', 'fingerprint');
    const second = stale.claimRequest(owner, 'late-release', 'fingerprint');
    expect((await stale.claim(first)).outcome).toBe('claimed');
    expect((await stale.claim(second)).outcome).toBe('claimed');

    await stale.release(first);
    expect(await state('late-release')).toEqual(['pending']);
    const store = new IdempotencyStore(database.pool, sealer);
    expect((await store.claim(store.claimRequest(owner, 'late-release', 'fingerprint'))).outcome).toBe('in_flight');
  });

  test("a late completion does not overwrite the answer of the run that took the claim over", async () => {
    const stale = new IdempotencyStore(database.pool, sealer, 0);
    const first = stale.claimRequest(owner, 'late-complete', 'fingerprint');
    const second = stale.claimRequest(owner, 'late-complete', 'fingerprint');
    await stale.claim(first);
    await stale.claim(second);
    await stale.complete(second, { statusCode: 201, body: { run: 'second' }, headers: {} }, undefined);
    await stale.complete(first, { statusCode: 201, body: { run: 'first' }, headers: {} }, undefined);
    const replay = await stale.claim(stale.claimRequest(owner, 'late-complete', 'fingerprint'));
    expect(replay).toEqual({ outcome: 'replay', response: { statusCode: 201, body: { run: 'second' }, headers: {} } });
  });

  test('a run gives its own claim back, and the key can be claimed at once', async () => {
    const store = new IdempotencyStore(database.pool, sealer);
    const run = store.claimRequest(owner, 'own-release', 'fingerprint');
    expect((await store.claim(run)).outcome).toBe('claimed');
    await store.release(run);
    expect(await state('own-release')).toEqual([]);
    expect((await store.claim(store.claimRequest(owner, 'own-release', 'fingerprint'))).outcome).toBe('claimed');
  });

  const rawBody = async (key: string) =>
    (await database.pool.query<{ body: string }>(`SELECT response_body::text AS body FROM idempotency_records WHERE idempotency_key = $1`, [key])).rows[0]!.body;

  test('a response stored with its claim in one call (claimAndComplete, the claimed-append path) is sealed with its subject and opens as it was', async () => {
    const store = new IdempotencyStore(database.pool, sealer);
    const subject = randomUUID();
    const response = { statusCode: 201, body: { id: subject, email: 'claimed.complete@example.org', note: 'kept in this order' }, headers: { location: `/v1/users/${subject}` } };
    expect((await store.claimAndComplete(store.claimRequest(owner, 'sealed-at-once', 'fingerprint'), response, subject)).outcome).toBe('claimed');
    expect(await rawBody('sealed-at-once')).not.toContain('claimed.complete');
    const replay = await store.claim(store.claimRequest(owner, 'sealed-at-once', 'fingerprint'));
    expect(replay.outcome).toBe('replay');
    const opened = await store.open((replay as Extract<typeof replay, { outcome: 'replay' }>).response);
    expect(JSON.stringify(opened)).toBe(JSON.stringify(response));
  });

  test('a response whose subject was erased while the command ran is stored without its body, and opens as erased', async () => {
    const store = new IdempotencyStore(database.pool, sealer);
    const subject = randomUUID();
    await sealer.keys.destroy(subject);
    const run = store.claimRequest(owner, 'erased-mid-command', 'fingerprint');
    await store.claim(run);
    await store.complete(run, { statusCode: 200, body: { id: subject, email: 'erased.mid@example.org' }, headers: {} }, subject);
    expect(await rawBody('erased-mid-command')).not.toContain('erased.mid');
    const replay = await store.claim(store.claimRequest(owner, 'erased-mid-command', 'fingerprint'));
    expect(await store.open((replay as Extract<typeof replay, { outcome: 'replay' }>).response)).toBe(RESPONSE_ERASED);
  });
});
