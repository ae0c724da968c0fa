import { type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import {
  DataKeyStore,
  ERASED,
  ERASED_VALUE,
  FieldSealer,
  LookupHasher,
  masterKeyFrom,
  openEventData,
  PasswordHasher,
  sealEventData,
  TamperedValueError,
} from '@accounts/privacy';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';

describe('data keys and sealed fields (PostgreSQL)', () => {
  jest.setTimeout(60_000);
  const master = masterKeyFrom(randomBytes(32));
  let database: TestDatabase;
  let sealer: FieldSealer;

  beforeAll(async () => {
    database = await createTestDatabase('privacy');
    sealer = new FieldSealer(new DataKeyStore(database.pool, master));
  });
  afterAll(async () => {
    await database.drop();
    await dropTemplate();
  });

  test('20 concurrent first uses of one subject end with one key, and every value opens', async () => {
    const subject = randomUUID();
    const stores = Array.from({ length: 20 }, () => new FieldSealer(new DataKeyStore(database.pool, master)));
    const sealed = await Promise.all(stores.map((store, i) => store.seal(subject, `value ${i}`)));
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM data_keys WHERE subject_id = $1', [subject]);
    expect(rows[0].n).toBe(1);
    const fresh = new FieldSealer(new DataKeyStore(database.pool, master));
    expect(await Promise.all(sealed.map((value) => fresh.open(subject, value)))).toEqual(sealed.map((_, i) => `value ${i}`));
  });

  test('destroying a key makes every value of that subject ERASED, and only theirs', async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    const aliceValue = await sealer.seal(alice, 'alice@example.com');
    const bobValue = await sealer.seal(bob, 'bob@example.com');
    await sealer.keys.destroy(alice);
    expect(await sealer.open(alice, aliceValue)).toBe(ERASED);
    expect(await new FieldSealer(new DataKeyStore(database.pool, master)).open(alice, aliceValue)).toBe(ERASED);
    expect(await sealer.open(bob, bobValue)).toBe('bob@example.com');
    // An erased subject never silently gets a new key.
    await expect(sealer.seal(alice, 'again')).rejects.toThrow('erased');
  });

  test('the table holds wrapped keys only, and no plaintext', async () => {
    const subject = randomUUID();
    const value = await sealer.seal(subject, 'carol@example.com');
    const key = await sealer.keys.existingKey(subject);
    const { rows } = await database.pool.query('SELECT wrapped_key FROM data_keys WHERE subject_id = $1', [subject]);
    const raw = (key as KeyObject).export();
    expect(raw).toHaveLength(32);
    expect((rows[0].wrapped_key as Buffer).includes(raw)).toBe(false);
    expect(value).not.toContain('carol');
  });

  test('a tampered value, or one moved to another subject, fails without revealing it', async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    const value = await sealer.seal(alice, 'secret@example.com');
    await sealer.seal(bob, 'warm up bob key');
    // One bit of the ciphertext flipped in the decoded bytes: changing a base64 character could leave the bytes
    // unchanged (a padding bit, or the same character written back), and the test would pass or fail by chance.
    const prefix = value.slice(0, value.lastIndexOf(':') + 1);
    const bytes = Buffer.from(value.slice(prefix.length), 'base64url');
    bytes.writeUInt8(bytes.readUInt8(bytes.length >> 1) ^ 0x01, bytes.length >> 1);
    const flipped = prefix + bytes.toString('base64url');
    expect(flipped).not.toBe(value);
    await expect(sealer.open(alice, flipped)).rejects.toBeInstanceOf(TamperedValueError);
    await expect(sealer.open(bob, value)).rejects.toThrow(TamperedValueError);
    await sealer.open(alice, flipped).catch((error: Error) => expect(error.message).not.toContain('secret'));
  });

  test('event data: only the spec fields are sealed; erased subjects read as [erased]', async () => {
    const userId = randomUUID();
    const spec = { subjectField: 'userId', fields: ['email', 'ip'] };
    const data = { userId, email: 'dora@example.com', ip: '198.51.100.7', sessionId: 's1' };
    const sealed = await sealEventData(data, spec, sealer);
    expect(sealed.sessionId).toBe('s1');
    expect(JSON.stringify(sealed)).not.toMatch(/dora|198\.51/);
    expect(await openEventData([{ data: sealed, spec }], sealer)).toEqual([data]);
    await sealer.keys.destroy(userId);
    expect(await openEventData([{ data: sealed, spec }], sealer)).toEqual([{ ...data, email: ERASED_VALUE, ip: ERASED_VALUE }]);
  });

  test('lookup hashes are stable per master key and differ across keys', () => {
    const hasher = new LookupHasher(master);
    expect(hasher.hash('ada@example.com')).toBe(new LookupHasher(master).hash('ada@example.com'));
    expect(hasher.hash('ada@example.com')).not.toBe(new LookupHasher(masterKeyFrom(randomBytes(32))).hash('ada@example.com'));
    expect(hasher.hash('ada@example.com')).toMatch(/^[0-9a-f]{64}$/);
  });

  test('argon2id hashes verify, and parameters are checked for re-hashing', async () => {
    const hasher = new PasswordHasher();
    const hash = await hasher.hash('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await hasher.verify(hash, 'correct horse battery')).toBe(true);
    expect(await hasher.verify(hash, 'wrong')).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
    expect(new PasswordHasher({ memoryCost: 65_536, timeCost: 3, parallelism: 1 }).needsRehash(hash)).toBe(true);
  });
});
