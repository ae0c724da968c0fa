import { spawnSync } from 'node:child_process';
import { RateMeter } from '../../apps/cli/src/projections-rebuild.command';
import { ProjectionRegistry } from '@accounts/projections/runtime/projection-registry';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';
import { testRedisUrl } from '../support/redis';

/** The operators' CLI as they run it: a process of its own, reading DATABASE_URL like the service. */
describe('projections commands', () => {
  jest.setTimeout(90_000);
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('cli');
    await new ProjectionRegistry(database.pool).ensure('read_model');
  });
  afterAll(async () => {
    await database.drop();
    await dropTemplate();
  });

  function cli(...args: string[]) {
    const result = spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/cli/src/main.ts', 'projections', ...args], {
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: database.url, REDIS_URL: testRedisUrl(7) },
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  test('rebuild asks once and finds the same rebuild again; pause shows in status; an unknown name fails with exit 1', async () => {
    expect(cli('rebuild', 'read_model', '--detach')).toMatchObject({ status: 0, stdout: 'Rebuilding: read_model version 2, beside the live version.\n' });
    expect(cli('rebuild', 'read_model', '--detach').stdout).toBe('Following the rebuild under way: read_model version 2, beside the live version.\n');
    expect(cli('pause', 'read_model')).toMatchObject({ status: 0, stdout: 'read_model paused.\n' });

    const status = cli('status', '--json');
    const reports = JSON.parse(status.stdout) as { name: string; version: number; state: string; paused: boolean; owner: unknown; progress?: number }[];
    expect(reports.map(({ name, version, state, paused, owner, progress }) => ({ name, version, state, paused, owner, progress }))).toEqual([
      { name: 'read_model', version: 1, state: 'live', paused: true, owner: null, progress: undefined },
      { name: 'read_model', version: 2, state: 'building', paused: true, owner: null, progress: 0 },
    ]);

    const unknown = cli('rebuild', 'nope');
    expect([unknown.status, unknown.stdout, unknown.stderr]).toEqual([1, '', 'error: No such projection; known: read_model, sessions, search, erasure, invitations, mail.\n']);
  });
});

test('the rebuild rate is measured over the last seconds of samples', () => {
  let now = 0;
  const meter = new RateMeter(5_000, () => now);
  expect(meter.sample(0)).toBeUndefined();
  now = 1_000;
  expect(meter.sample(30_000)).toBe(30_000);
  now = 10_000;
  expect(meter.sample(120_000)).toBe(10_000); // (120,000 - 30,000) over the 9 s since the oldest kept sample
});
