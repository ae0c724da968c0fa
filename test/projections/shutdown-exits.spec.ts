import { spawnSync } from 'node:child_process';

/**
 * After the service closes, nothing of it keeps Node alive: a process whose projectors were stopped before they had
 * started everything (the API does not await their start) used to start the mail sender and the webhook deliveries
 * after the stop, whose timers then rescheduled themselves for ever (and `npm test` needed --forceExit).
 */
describe('closing the service soon after it started', () => {
  jest.setTimeout(120_000);

  test('leaves nothing running: the process exits by itself', () => {
    const started = Date.now();
    const result = spawnSync(process.execPath, ['-r', '@swc-node/register', 'test/projections/close-soon-after-start.ts'], {
      encoding: 'utf8',
      timeout: 90_000, // far above the ~10 s it takes; a process kept alive is killed here and fails below
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect({ stdout: result.stdout, signal: result.signal, status: result.status }).toEqual({ stdout: 'closed\n', signal: null, status: 0 });
    process.stdout.write(`shutdown-exits: the process ended by itself ${Date.now() - started} ms after it was started\n`);
  });
});
