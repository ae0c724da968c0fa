import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventCodec } from '@accounts/event-codec';
import { PostgresEventStore } from '@accounts/event-store';
import { DataKeyStore, FieldSealer, masterKeyFrom } from '@accounts/privacy';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';
import { visibleEvents } from '../support/event-head';

/** The audit reviewers' CLI as a process of its own, on the stores the service wrote. */
describe('audit commands', () => {
  jest.setTimeout(90_000);
  const masterKey = randomBytes(32);
  let database: TestDatabase;
  let store: PostgresEventStore;
  const userId = randomUUID();
  beforeAll(async () => {
    database = await createTestDatabase('cliaudit');
    store = new PostgresEventStore({ connectionString: database.url });
    const codec = new EventCodec(new FieldSealer(new DataKeyStore(database.pool, masterKeyFrom(masterKey))));
    const metadata = { occurredAt: '2026-03-01T10:00:00.000Z', service: 'signup', actorId: userId, clientIp: { ip: '198.51.100.23', subjectId: userId } };
    await store.appendToStream(`user-${userId}`, [
      await codec.encode({ type: 'UserRegistered', data: { userId, email: 'carol.cli@example.com', passwordHash: '$argon2id$v=19$secret', registeredAt: metadata.occurredAt } }, randomUUID(), metadata),
      await codec.encode({ type: 'UserEmailChanged', data: { userId, email: 'carol, "the reviewer"@example.com', changedAt: '2026-03-02T10:00:00.000Z' } }, randomUUID(), { ...metadata, occurredAt: '2026-03-02T10:00:00.000Z' }),
    ]);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
    await dropTemplate();
  });

  function cli(...args: string[]) {
    const result = spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/cli/src/main.ts', 'audit', ...args], {
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: database.url, MASTER_KEY: masterKey.toString('base64'), USER: 'rita' },
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }
  const readsRecorded = async () => (await visibleEvents(store, database.pool)).filter((event) => event.type === 'PersonalDataRead');

  test('history is masked unless --pii, and a --pii read is recorded with the operator', async () => {
    const masked = cli('history', 'users', userId);
    expect(masked.status).toBe(0);
    const lines = masked.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.revision, line.type, line.data.email, line.clientIp])).toEqual([
      ['0', 'UserRegistered', 'c***@e***.com', '198.51.100.0/24'],
      ['1', 'UserEmailChanged', 'c***@e***.com', '198.51.100.0/24'],
    ]);
    expect(masked.stdout).not.toContain('argon2');
    expect(await readsRecorded()).toHaveLength(0);

    const unmasked = cli('history', 'users', userId, '--pii');
    expect(JSON.parse(unmasked.stdout.split('\n')[0]!)).toMatchObject({ clientIp: '198.51.100.23', data: { email: 'carol.cli@example.com', passwordHash: '[redacted]' } });
    expect((await readsRecorded()).map((event) => event.data)).toEqual([expect.objectContaining({ readBy: 'cli:rita', subject: { kind: 'history', stream: `user-${userId}` } })]);
  });

  test('state at a revision and at a time, through the deciders', () => {
    const first = JSON.parse(cli('state', 'users', userId, '--at', '0').stdout);
    expect(first).toMatchObject({ revision: '0', state: { status: 'active', email: 'c***@e***.com', passwordHash: '[redacted]' } });
    const later = JSON.parse(cli('state', 'users', userId, '--at', '2026-03-05T00:00:00Z', '--pii').stdout);
    expect(later).toMatchObject({ revision: '1', state: { email: 'carol, "the reviewer"@example.com' } });
    const missing = cli('state', 'users', userId);
    expect([missing.status, missing.stderr]).toEqual([1, 'error: --at <ISO time or revision> is required\n']);
  });

  test('export to a CSV file, quoted per RFC 4180, filtered by type and window', () => {
    const file = join(tmpdir(), `audit-${randomUUID()}.csv`);
    const result = cli('export', '--from', '2026-03-01T00:00:00Z', '--to', '2026-03-31T00:00:00Z', '--type', 'UserEmailChanged', '--format', 'csv', '--out', file, '--pii');
    expect([result.status, result.stderr]).toEqual([0, `1 events written to ${file}\n`]);
    const [header, row, end] = readFileSync(file, 'utf8').split('\r\n');
    expect(header).toBe('position,streamName,revision,type,occurredAt,actor,service,correlationId,causationId,clientIp,data');
    expect(row).toContain(`,user-${userId},1,UserEmailChanged,2026-03-02T10:00:00.000Z,${userId},signup,`);
    expect(row).toContain(',"{""email"":');
    expect(row).toContain('carol, \\""the reviewer\\""@example.com');
    expect(end).toBe('');
    expect(cli('export', '--from', 'yesterday').stderr).toBe('error: --from must be an ISO-8601 time\n');
  });
});
