import { spawn, spawnSync } from 'node:child_process';
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
    return cliWith({}, ...args);
  }

  function cliWith(env: Record<string, string>, ...args: string[]) {
    const result = spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/cli/src/main.ts', 'projections', ...args], {
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: database.url, REDIS_URL: testRedisUrl(7), ACCOUNTS_ACTOR_ID: '', USER: 'ada', ...env },
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

  test("each action is in the operator trail under the CLI and the operator's --actor or ACCOUNTS_ACTOR_ID; a malformed one does nothing", async () => {
    const trail = async () =>
      (await database.pool.query(`SELECT door, service, actor_id, action, projection, outcome, version, request_id FROM operator_actions WHERE door = 'cli' ORDER BY id`)).rows;
    const already = (await trail()).length;
    const operator = 'a9d2c1e4-52b7-4c0e-9f3e-5d7f1c2b8a60';
    const colleague = '0b8f3f6e-7a1d-4e2c-8c55-2f9a4d6e1b37';

    const wrong = cli('resume', 'read_model', '--actor', 'ada@example.com');
    expect([wrong.status, wrong.stderr]).toEqual([1, 'error: --actor (or ACCOUNTS_ACTOR_ID) must be your user id, a UUID.\n']);
    expect(cli('resume', 'read_model', '--actor', operator.toUpperCase())).toMatchObject({ status: 0, stdout: 'read_model resumed.\n' });
    expect(cliWith({ ACCOUNTS_ACTOR_ID: colleague }, 'pause', 'read_model')).toMatchObject({ status: 0 });
    expect(cliWith({ ACCOUNTS_ACTOR_ID: colleague }, 'rebuild', 'read_model', '--detach', '--actor', operator)).toMatchObject({ status: 0 });
    // No process runs the projection here: the request is recorded, and the command stops waiting after 60 s
    // unless we answer it, as a projector would.
    const retry = spawnRetry();
    const request = await waitForRetryRequest();
    await database.pool.query(`UPDATE projection_requests SET finished_at = now(), outcome = '{"retried":0,"resolved":0,"stillFailing":0}' WHERE id = $1`, [request.id]);
    expect(await retry).toMatchObject({ status: 0 });
    expect(request.requested_by).toBe('cli:ada'); // the login name goes where it always went, not into the trail

    const cliRow = { door: 'cli', service: null, projection: 'read_model', version: null, request_id: null };
    expect((await trail()).slice(already)).toEqual([
      { ...cliRow, actor_id: operator, action: 'resume', outcome: 'resumed' },
      { ...cliRow, actor_id: colleague, action: 'pause', outcome: 'paused' },
      { ...cliRow, actor_id: operator, action: 'rebuild', outcome: 'joined', version: 2 },
      { ...cliRow, actor_id: null, action: 'retry-dead-letters', outcome: 'requested', request_id: request.id },
    ]);
  });

  function spawnRetry(): Promise<{ status: number | null }> {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/cli/src/main.ts', 'projections', 'retry-dead-letters', 'read_model'], {
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: database.url, REDIS_URL: testRedisUrl(7), ACCOUNTS_ACTOR_ID: '', USER: 'ada' },
      stdio: 'ignore',
    });
    return new Promise((resolve) => child.on('exit', (status) => resolve({ status })));
  }

  async function waitForRetryRequest(): Promise<{ id: string; requested_by: string }> {
    for (let i = 0; i < 300; i++) {
      const { rows } = await database.pool.query(`SELECT id, requested_by FROM projection_requests WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1`);
      if (rows[0]) return rows[0];
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the CLI asked for no retry');
  }
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
