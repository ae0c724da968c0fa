import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { freeTcpPort } from './free-port';

/** One message the test server accepted, as delivered (raw) and parsed. */
export interface DeliveredMessage {
  /** The envelope's recipients (RCPT TO), lower-cased. */
  to: string[];
  from: string;
  messageId: string;
  subject: string;
  text: string;
  html: string;
  /** Every header line as received, for checks on the raw message. */
  raw: string;
}

/** How the server answers RCPT TO for a recipient: accept, or refuse with this SMTP code (4xx temporary, 5xx permanent). */
export type RecipientRule = (recipient: string) => number | undefined;

/**
 * An SMTP server in the test process (the `smtp-server` package), on a free loopback port: it collects what it is
 * sent, can be told to refuse recipients (4xx or 5xx), and can be stopped for a while and started again on the same
 * port (connections are then refused, as when a mail server is down).
 */
export interface TestSmtpServer {
  port: number;
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  url: string;
  messages: DeliveredMessage[];
  /** Messages delivered to this address (any case). */
  to(address: string): DeliveredMessage[];
  /** Waits until `predicate` holds over the delivered messages (at most `timeoutMs`), and returns them. */
  waitFor(predicate: (messages: DeliveredMessage[]) => boolean, timeoutMs?: number): Promise<DeliveredMessage[]>;
  /** Waits until at least one message reached `address`, and returns the last. */
  waitForMessageTo(address: string, timeoutMs?: number): Promise<DeliveredMessage>;
  /** Refuse recipients by a rule until `acceptAll()`; e.g. `refuse((to) => (to === 'x@y.z' ? 550 : undefined))`. */
  refuse(rule: RecipientRule): void;
  /** Refuse every recipient with `code` (451 for "try again later", 550 for "no such mailbox"). */
  refuseAll(code: number): void;
  acceptAll(): void;
  /** Closes the listening socket and every connection: senders see "connection refused" until start(). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Holds every message this long before accepting it (a slow server: a sender is caught mid-batch). */
  delayAcceptance(ms: number): void;
  /** Number of RCPT TO commands seen, refused ones included (to prove a sender retried). */
  attempts(): number;
  close(): Promise<void>;
}

export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  const port = await freeTcpPort();
  const messages: DeliveredMessage[] = [];
  let rule: RecipientRule = () => undefined;
  let rcptCount = 0;
  let acceptDelayMs = 0;
  let server: SMTPServer | undefined;

  const refusal = (code: number) => {
    const error = new Error(code >= 500 ? 'mailbox unavailable' : 'try again later') as Error & { responseCode: number };
    error.responseCode = code;
    return error;
  };

  const create = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (error?: Error | null) => void) {
        rcptCount += 1;
        const code = rule(address.address.toLowerCase());
        callback(code === undefined ? null : refusal(code));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          new Promise((resolve) => setTimeout(resolve, acceptDelayMs))
            .then(() => simpleParser(raw))
            .then((parsed) => {
              messages.push({
                to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                messageId: parsed.messageId ?? '',
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
                raw: raw.toString('utf8'),
              });
              callback();
            })
            .catch((error: Error) => callback(error));
        });
      },
    });

  const start = async () => {
    server = create();
    server.on('error', () => undefined);
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.server.once('error', reject);
      listening.listen(port, '127.0.0.1', () => resolve());
    });
  };
  const stop = async () => {
    const running = server;
    server = undefined;
    if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
  };

  const waitFor = async (predicate: (m: DeliveredMessage[]) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(messages)) {
      if (Date.now() > deadline) throw new Error(`SMTP: the expected mail did not arrive within ${timeoutMs} ms (${messages.length} delivered)`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return messages;
  };
  const to = (address: string) => messages.filter((m) => m.to.includes(address.toLowerCase()));

  await start();
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    to,
    waitFor,
    async waitForMessageTo(address, timeoutMs) {
      await waitFor(() => to(address).length > 0, timeoutMs);
      return to(address).at(-1)!;
    },
    refuse(next) {
      rule = next;
    },
    refuseAll(code) {
      rule = () => code;
    },
    acceptAll() {
      rule = () => undefined;
    },
    stop,
    start,
    delayAcceptance(ms) {
      acceptDelayMs = ms;
    },
    attempts: () => rcptCount,
    close: stop,
  };
}

/** The first token-looking value in a delivered message's text after `marker` (e.g. 'token='), for the tests' next step. */
export function tokenFrom(message: DeliveredMessage, marker = 'token='): string {
  const at = message.text.indexOf(marker);
  if (at < 0) throw new Error('SMTP: no token in the delivered message');
  const match = /^[A-Za-z0-9_.~-]+/.exec(message.text.slice(at + marker.length));
  if (!match) throw new Error('SMTP: no token in the delivered message');
  return match[0];
}
