import { spawnSync } from 'node:child_process';

/** The CLI as a shell sees it: named, help on request with exit 0, mistakes reported once with exit 1. */
describe('the accounts CLI', () => {
  jest.setTimeout(90_000);

  function cli(...args: string[]) {
    // No store is reached by these: an unreachable database proves nothing connects before the arguments are read.
    const result = spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/cli/src/main.ts', ...args], {
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: 'postgres://root@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' },
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  test('--help names the program, lists its commands and exits 0', () => {
    const help = cli('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: accounts \[options\] \[command\]\n/);
    expect(help.stdout).toContain('projections');
    expect(help.stdout).toContain('audit');
    expect(help.stderr).toBe('');
    expect(cli('projections', '--help')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^Usage: accounts projections /) });
    expect(cli('help', 'audit')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^Usage: accounts audit /) });
  });

  test('an unknown command or option is reported once, with exit 1', () => {
    expect(cli('nope')).toEqual({ status: 1, stdout: '', stderr: "error: unknown command 'nope'\n" });
    expect(cli('projections', 'nope')).toEqual({ status: 1, stdout: '', stderr: "error: unknown command 'nope'\n" });
    expect(cli('projections', 'status', '--bogus')).toEqual({ status: 1, stdout: '', stderr: "error: unknown option '--bogus'\n" });
  });

  test('without a command it shows its help as an error', () => {
    const bare = cli();
    expect(bare.status).toBe(1);
    expect(bare.stderr).toMatch(/^Usage: accounts /);
  });
});
