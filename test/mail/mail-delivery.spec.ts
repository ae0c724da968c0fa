import { type ChildProcess, spawn } from 'node:child_process';
import { createTestApp, type TestApp } from '../support/app';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';

jest.setTimeout(120_000);

// The mail projection's delivery under failure: a mail server that is down, one that refuses an address for good,
// a rebuild, and a projector process killed while it sends.
describe('mail delivery', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let counter = 0;
  const newAddress = (label: string) => `${label}${++counter}.${process.pid}@mail-delivery.example`;

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
  });
  afterAll(async () => smtp?.close());

  const register = async (app: TestApp, email: string) => {
    for (let attempt = 0; ; attempt++) {
      const response = await app.request('POST', '/v1/users', { body: { email, password: 'correct horse battery staple' } });
      if (response.status !== 503 || attempt >= 10) {
        expect(response.status).toBe(201);
        return response.body.id as string;
      }
    }
  };
  /** As a caller would: a 503 (this shared machine's PostgreSQL runs out of connections at times) is retried. */
  const retrying = async (app: TestApp, method: string, url: string) => {
    for (let attempt = 0; ; attempt++) {
      const response = await app.request(method, url);
      if (response.status !== 503 || attempt >= 10) return response;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const mailProjection = async (app: TestApp) => {
    const { body } = await retrying(app, 'GET', '/v1/ops/projections');
    return (body.items as { name: string; version: number; state: string; deadLetters: number }[]).filter((item) => item.name === 'mail');
  };
  const verificationEventIds = async (app: TestApp) => new Set((await app.allEvents()).filter((e) => e.type === 'EmailVerificationIssued').map((e) => e.id));

  describe('with the projectors in the API process', () => {
    beforeAll(async () => {
      t = await createTestApp({ redisDb: 11, env: { SMTP_URL: smtp.url, MAIL_FROM: 'no-reply@accounts.test' }, captureLogs: true });
    }, 60_000);
    afterAll(async () => t?.close());

    test('the SMTP server down for 10 s: the mail is delivered once it is back', async () => {
      await smtp.stop();
      const email = newAddress('down');
      await register(t, email);
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      expect(smtp.to(email)).toHaveLength(0);
      const { rows } = await t.database.pool.query<{ attempts: number; status: string }>(`SELECT attempts, status FROM mail_outbox`);
      expect(rows).toEqual([expect.objectContaining({ status: 'pending' })]);
      expect(rows[0]!.attempts).toBeGreaterThan(1); // it was tried, and is waiting for its next try
      await smtp.start();
      await smtp.waitForMessageTo(email, 60_000);
    });

    test('a permanent 550 is parked as a dead letter of mail, shown to operators; the mail after it goes out', async () => {
      const refused = newAddress('refused');
      const fine = newAddress('fine');
      smtp.refuse((to) => (to === refused ? 550 : undefined));
      try {
        await register(t, refused);
        await register(t, fine);
        await smtp.waitForMessageTo(fine);
        await waitUntil(async () => (await mailProjection(t))[0]?.deadLetters === 1);
      } finally {
        smtp.acceptAll();
      }
      expect(smtp.to(refused)).toHaveLength(0);
      const { rows } = await t.database.pool.query(`SELECT error, event_type FROM projection_dead_letters WHERE projection = 'mail'`);
      expect(rows).toEqual([{ error: 'smtp_550', event_type: 'EmailVerificationIssued' }]);
      // Neither the address nor the server's words reach a log.
      expect(t.logs.join('\n')).not.toContain(refused);
    });

    test('a rebuild of the mail projection sends nothing again', async () => {
      const before = smtp.messages.length;
      expect(before).toBeGreaterThan(1);
      const rebuild = await retrying(t, 'POST', '/v1/ops/projections/mail/rebuild');
      if (rebuild.status !== 202) console.log(rebuild.body); // eslint-disable-line no-console -- the reason, when it fails
      expect(rebuild.status).toBe(202);
      await waitUntil(async () => {
        const versions = await mailProjection(t);
        return versions.length === 1 && versions[0]!.version === 2 && versions[0]!.state === 'live';
      });
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // a sender tick or ten
      expect(smtp.messages.length).toBe(before);
      // And it still sends new mail.
      const after = newAddress('after-rebuild');
      await register(t, after);
      await smtp.waitForMessageTo(after);
      expect(smtp.messages.length).toBe(before + 1);
    });
  });

  describe('in a projections process of its own, SIGKILLed mid-batch', () => {
    let api: TestApp;
    let child: ChildProcess | undefined;
    const startProjections = () => {
      child = spawn(process.execPath, ['-r', '@swc-node/register', 'projections/src/main.ts'], {
        env: { ...process.env, DATABASE_URL: api.database.url, REDIS_URL: api.config.redisUrl, SMTP_URL: smtp.url, MAIL_FROM: 'no-reply@accounts.test', LOG_LEVEL: 'info', MAIL_TICK_MS: '50' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    };
    const logs: string[] = [];

    beforeAll(async () => {
      api = await createTestApp({ redisDb: 11, env: { RUN_PROJECTORS: 'false' } });
    }, 60_000);
    afterAll(async () => {
      child?.kill('SIGKILL');
      await api?.close();
    });

    test('every mail is delivered after a restart, and a repeat carries the same Message-ID', async () => {
      const before = smtp.messages.length;
      const emails = Array.from({ length: 30 }, () => newAddress('killed'));
      for (const email of emails) await register(api, email);
      smtp.delayAcceptance(100);
      startProjections();
      // Killed while it sends: some mail delivered, the rest not yet.
      await smtp.waitFor((messages) => messages.length >= before + 5, 90_000);
      child!.kill('SIGKILL');
      await new Promise((resolve) => child!.once('exit', resolve));
      const deliveredAtKill = smtp.messages.length - before;
      expect(deliveredAtKill).toBeLessThan(emails.length);
      smtp.delayAcceptance(0);
      startProjections();
      await smtp.waitFor(() => emails.every((email) => smtp.to(email).length >= 1), 90_000);
      child!.kill('SIGTERM');

      const events = await verificationEventIds(api);
      for (const email of emails) {
        const ids = new Set(smtp.to(email).map((message) => message.messageId));
        expect(ids.size).toBe(1); // a repeat (sent, then killed before it was marked sent) has its first Message-ID
        const [id] = [...ids];
        expect(events.has(id!.replace(/^<|@accounts\.test>$/g, ''))).toBe(true);
      }
      expect(logs.join('')).not.toMatch(/killed\d+\./);
    });
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
