import { randomBytes, randomUUID } from 'node:crypto';
import { DataKeyStore, ERASED, FieldSealer, masterKeyFrom } from '@accounts/privacy';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';

/** Two processes' key stores on one database: a key destroyed by one is unusable in the other at once, not after a TTL. */
describe('destroyed data keys are dropped by every process at once (LISTEN/NOTIFY)', () => {
  jest.setTimeout(60_000);
  const master = masterKeyFrom(randomBytes(32));
  let database: TestDatabase;
  const stores: DataKeyStore[] = [];
  const listeningStore = async () => {
    // A clock that never moves: only the announcement can evict a cached key.
    const store = new DataKeyStore(database.pool, master, () => 0);
    await store.listenForDestroyedKeys();
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    database = await createTestDatabase('keys');
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await database.drop();
    await dropTemplate();
  });

  async function openedWithin(sealer: FieldSealer, subject: string, value: string, ms: number): Promise<unknown> {
    const deadline = Date.now() + ms;
    for (;;) {
      const opened = await sealer.open(subject, value);
      if (opened === ERASED || Date.now() > deadline) return opened;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  test('a key cached by another process is gone there as soon as the destroying transaction commits', async () => {
    const [eraser, other] = [await listeningStore(), await listeningStore()];
    const subject = randomUUID();
    const sealed = await new FieldSealer(eraser).seal(subject, 'ada@example.com');
    const otherSealer = new FieldSealer(other);
    expect(await otherSealer.open(subject, sealed)).toBe('ada@example.com'); // now cached in the other process

    await eraser.destroy(subject);
    const started = Date.now();
    expect(await openedWithin(otherSealer, subject, sealed, 2_000)).toBe(ERASED);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test('while its listening connection is lost, a process caches nothing, and it listens again by itself', async () => {
    const [eraser, other] = [await listeningStore(), await listeningStore()];
    const subject = randomUUID();
    const sealed = await new FieldSealer(eraser).seal(subject, 'grace@example.com');
    const otherSealer = new FieldSealer(other);
    expect(await otherSealer.open(subject, sealed)).toBe('grace@example.com');

    // Cut every listener of this database (as a failover or a network blip would); destroy while they are gone.
    await database.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'accounts-data-key-listener'`);
    await eraser.destroy(subject);
    expect(await openedWithin(otherSealer, subject, sealed, 2_000)).toBe(ERASED);

    // Listening again: a key destroyed later is still heard of.
    const later = randomUUID();
    const laterSealed = await new FieldSealer(eraser).seal(later, 'later@example.com');
    for (let attempt = 0; attempt < 100 && (await database.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'accounts-data-key-listener'`)).rowCount! < 2; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await otherSealer.open(later, laterSealed)).toBe('later@example.com');
    await eraser.destroy(later);
    expect(await openedWithin(otherSealer, later, laterSealed, 2_000)).toBe(ERASED);
  });
});
