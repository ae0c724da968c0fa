/**
 * Mail delivery benchmark (`npm run bench:mail`): mail delivered per second by the mail projection's sender, from
 * queued outbox rows to a local SMTP server (test/support/smtp.ts, in this process), against nodemailer alone
 * sending the same number of messages over the same pooled transport (the floor: only the SMTP work). The sender
 * does what production does per mail: read and open the event holding the address, recreate the token, render both
 * bodies, send, mark the row. BENCH_MAILS sets the count (default 2,000); service and floor alternate, 3 runs each.
 */
import { randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { EventCodec } from '@accounts/event-codec';
import { PostgresEventStore } from '@accounts/event-store';
import { DataKeyStore, EmailedTokens, FieldSealer, loadMasterKey } from '@accounts/privacy';
import { MailOutboxProjector } from '@accounts/projections/mail/mail-outbox.projection';
import { MailSender } from '@accounts/projections/mail/mail-sender';
import { SmtpMailTransport } from '@accounts/projections/mail/mail-transport';
import { DeadLetterRecorder } from '@accounts/projections/runtime/dead-letters';
import { PostgresProjectionSink } from '@accounts/projections/runtime/postgres-sink';
import { ProjectedEventDecoder } from '@accounts/projections/runtime/projected-event-decoder';
import { LeaseConnection } from '@accounts/projections/runtime/projection-lease';
import { ProjectionRegistry } from '@accounts/projections/runtime/projection-registry';
import { ProjectionRunner } from '@accounts/projections/runtime/projection-runner';
import { createTestDatabase } from '../test/support/postgres';
import { startTestSmtpServer } from '../test/support/smtp';
import { type Figure, median, printTable, writeResults } from './lib/bench-kit';

const MAILS = Number(process.env.BENCH_MAILS ?? 2_000);
const RUNS = 3;

async function main(): Promise<void> {
  const database = await createTestDatabase('mailbench');
  const store = new PostgresEventStore({ connectionString: database.url, poolConfig: { max: 8 } });
  const master = loadMasterKey({});
  const keys = new DataKeyStore(database.pool, master);
  const codec = new EventCodec(new FieldSealer(keys));
  const tokens = new EmailedTokens(master);
  const smtp = await startTestSmtpServer();
  try {
    // Seed: each user registered with a verification issued, sealed as the write side seals them.
    for (let i = 0; i < MAILS; i++) {
      const userId = randomUUID();
      const at = new Date().toISOString();
      const { tokenId, tokenHash } = tokens.issue('email-verification', userId);
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const events = [
        await codec.encode({ type: 'UserRegistered', data: { userId, email: `bench${i}@mail-bench.example`, passwordHash: '$argon2id$bench', registeredAt: at } }, randomUUID(), { occurredAt: at }),
        await codec.encode({ type: 'EmailVerificationIssued', data: { userId, tokenId, tokenHash, expiresAt, issuedAt: at } }, randomUUID(), { occurredAt: at }),
      ];
      await store.appendToStream(`user-${userId}`, events);
    }
    const decoder = new ProjectedEventDecoder(codec);
    const runner = new ProjectionRunner(store, decoder, new PostgresProjectionSink(database.pool, new MailOutboxProjector(1)));
    const queueStarted = performance.now();
    await runner.start();
    const head = await store.headPosition();
    if (!head || !(await runner.waitFor(head, 120_000))) throw new Error('the mail projection did not reach the head');
    const queuedPerSecond = (2 * MAILS) / ((performance.now() - queueStarted) / 1000);
    await runner.stop();
    const { rows } = await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM mail_outbox`);
    if (rows[0]!.n !== MAILS) throw new Error(`expected ${MAILS} queued mails, found ${rows[0]!.n}`);

    const registry = new ProjectionRegistry(database.pool);
    const lease = new LeaseConnection({ ...database.pool.options, application_name: 'bench-mail-lease' });
    const service: number[] = [];
    const floor: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await database.pool.query(`UPDATE mail_outbox SET status = 'pending', attempts = 0, next_attempt_at = now(), sent_at = NULL`);
      smtp.messages.length = 0;
      const sender = new MailSender({
        pool: database.pool,
        eventStore: store,
        decoder,
        tokens,
        transport: new SmtpMailTransport(smtp.url),
        lease,
        registry,
        deadLetters: new DeadLetterRecorder(database.pool),
        from: 'Bench <no-reply@bench.example>',
        linkBase: 'https://app.example',
        tickMs: 10,
      });
      const started = performance.now();
      sender.start();
      await smtp.waitFor((messages) => messages.length >= MAILS, 600_000);
      service.push(MAILS / ((performance.now() - started) / 1000));
      await sender.stop();

      smtp.messages.length = 0;
      const transport = createTransport({ url: smtp.url, pool: true, maxConnections: 4 } as Parameters<typeof createTransport>[0]);
      const floorStarted = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < MAILS) {
            const i = next++;
            await transport.sendMail({ from: 'no-reply@bench.example', to: `bench${i}@mail-bench.example`, subject: 'Confirm', text: `token=${'A'.repeat(87)}`, html: '<p>x</p>', messageId: `<${randomUUID()}@bench.example>` });
          }
        }),
      );
      floor.push(MAILS / ((performance.now() - floorStarted) / 1000));
      transport.close();
    }
    await lease.close();
    const figures: Figure[] = [
      { name: `mail delivered/s to a local SMTP server (${MAILS} mails)`, unit: 'mails/s', runs: service, median: median(service), peer: { name: 'nodemailer alone, same server', median: median(floor), ratio: median(service) / median(floor) } },
      { name: 'mail projection: events queued into the outbox', unit: 'events/s', runs: [queuedPerSecond], median: queuedPerSecond },
    ];
    printTable('mail', figures);
    console.log(`results: ${writeResults('mail', figures)}`);
  } finally {
    await smtp.close();
    await keys.close?.();
    await store.close();
    await database.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
