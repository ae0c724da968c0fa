import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { DEV_KEY } from '../support/app';
import { freeTcpPort } from '../support/free-port';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';

interface Answer {
  status?: number;
  /** A transport failure: ECONNREFUSED means never accepted; anything else means accepted and then lost. */
  error?: string;
  path: string;
  body?: string;
}

function send(port: number, method: string, path: string, body?: unknown, key?: string): Promise<Answer> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false, // a connection per request: after the port closes, new ones are refused, never half-served
        headers: {
          authorization: `Bearer ${DEV_KEY}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'idempotency-key': key ?? path } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, path, body: Buffer.concat(chunks).toString() }));
        res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message, path }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message, path }));
    req.end(payload);
  });
}

/**
 * SIGTERM to a real API process (projectors inside, as `npm start` runs it) under load: readiness turns 503 first,
 * every request it accepted is answered, the projectors stop after their batch, and it exits 0 with structured logs.
 */
describe('fault: SIGTERM under load', () => {
  jest.setTimeout(180_000);
  let database: TestDatabase;
  let redis: PrivateRedis;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    database = await createTestDatabase('sigterm');
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await redis?.destroy();
    await database?.drop();
    await dropTemplate();
  });

  test('no accepted request is lost; readiness is 503 while draining; exit 0; every log line is JSON', async () => {
    const port = await freeTcpPort();
    const api = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/main.ts'], {
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: database.url, REDIS_URL: redis.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', SHUTDOWN_DELAY_MS: '700' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = api;
    const stdout: string[] = [];
    const stderr: string[] = [];
    api.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
    api.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => api.once('exit', (code) => resolve(code)));
    for (let i = 0; i < 1_200 && !stdout.join('').includes('accounts service listening'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stdout.join('')).toContain('accounts service listening');

    // The callers behave as a load balancer does: they stop sending new requests once readiness says 503 (a port that
    // closes resets connections still in its accept queue, which no server can answer). Requests in flight go on.
    const answers: Answer[] = [];
    let refused = false;
    let withdrawn = false;
    let sent = 0;
    const worker = async (kind: 'register' | 'read' | 'ready') => {
      while (!refused && !withdrawn) {
        const n = sent++;
        const answer =
          kind === 'register'
            ? await send(port, 'POST', '/v1/users', { email: `sigterm.${n}@example.com`, password: 'correct horse battery' }, `sigterm-${n}`)
            : await send(port, 'GET', kind === 'ready' ? '/health/ready' : '/health/live');
        if (answer.error === 'ECONNREFUSED') refused = true;
        else answers.push(answer);
        if (answer.path === '/health/ready' && answer.status === 503) withdrawn = true;
      }
    };
    const load = Promise.all([worker('register'), worker('register'), worker('register'), worker('register'), worker('read'), worker('ready')]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const signalledAt = Date.now();
    api.kill('SIGTERM');
    await load;
    const code = await exited;
    const exitedAfter = Date.now() - signalledAt;

    expect(answers.filter((answer) => answer.error)).toEqual([]); // accepted, then lost: none
    expect(answers.filter((answer) => answer.status !== undefined && answer.status >= 500 && answer.status !== 503)).toEqual([]);
    const created = answers.filter((answer) => answer.path === '/v1/users' && answer.status === 201);
    expect(created.length).toBeGreaterThan(0);
    expect(answers.some((answer) => answer.path === '/health/ready' && answer.status === 503)).toBe(true); // draining said so
    expect(refused).toBe(false); // the readiness 503 came before the port closed
    expect(code).toBe(0);

    // Every registration answered 201 is in the store.
    const ids = created.map((answer) => JSON.parse(answer.body!).id as string);
    const { rows } = await database.pool.query<{ stream_name: string }>(`SELECT stream_name FROM es_events WHERE event_type = 'UserRegistered'`);
    const stored = new Set(rows.map((row) => row.stream_name));
    expect(ids.filter((id) => !stored.has(`user-${id}`))).toEqual([]);

    // Structured logs only: every line is JSON, nothing raw on stderr.
    const lines = stdout.join('').split('\n').filter(Boolean);
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
    expect(stderr.join('')).toBe('');
    expect(lines.some((line) => line.includes('"msg":"shut down"'))).toBe(true);
    expect(stdout.join('')).not.toMatch(/sigterm\.\d+@example\.com/i); // no registrant's address in any line
    process.stdout.write(`fault sigterm: ${answers.length} requests answered, 0 lost, ${created.length} registrations; exited ${code} ${exitedAfter} ms after SIGTERM\n`);
  });
});
