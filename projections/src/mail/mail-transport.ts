import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';

/** A mail ready to go: the address is here only for the time of sending. */
export interface OutgoingMail {
  from: string;
  to: string;
  messageId: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  /** Resolves once the mail is accepted (by the SMTP server, or written whole); throws a MailDeliveryError otherwise. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * Why a mail did not go out, without the server's text (which quotes the address): `permanent` for a 5xx reply
 * (the mail is parked), `temporary` for a 4xx, a refused or broken connection, a timeout (it is tried again later).
 */
export class MailDeliveryError extends Error {
  constructor(
    readonly permanence: 'temporary' | 'permanent',
    /** `smtp_550`, `ECONNREFUSED`…: safe to store and log. */
    readonly reason: string,
  ) {
    super(`mail delivery failed (${permanence}: ${reason})`);
    this.name = 'MailDeliveryError';
  }
}

/** A nodemailer (or socket) error as a MailDeliveryError: only its reply code or error code survives. */
export function classifyDeliveryError(error: unknown): MailDeliveryError {
  if (error instanceof MailDeliveryError) return error;
  const { responseCode, code } = (error ?? {}) as { responseCode?: unknown; code?: unknown };
  if (typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600) return new MailDeliveryError('permanent', `smtp_${responseCode}`);
  if (typeof responseCode === 'number') return new MailDeliveryError('temporary', `smtp_${responseCode}`);
  return new MailDeliveryError('temporary', typeof code === 'string' && /^[A-Z_]{3,32}$/.test(code) ? code : error instanceof Error ? error.name : 'error');
}

/** SMTP through nodemailer, pooled: a few connections kept open, so a burst of mail is not a handshake per message. */
export class SmtpMailTransport implements MailTransport {
  private readonly transporter: Transporter;

  constructor(url: string, options: { maxConnections?: number } = {}) {
    this.transporter = createTransport({
      url,
      pool: true,
      maxConnections: options.maxConnections ?? 4,
      connectionTimeout: 5_000,
      greetingTimeout: 5_000,
      socketTimeout: 15_000,
      logger: false,
    } as Parameters<typeof createTransport>[0]);
  }

  async send(mail: OutgoingMail): Promise<void> {
    try {
      await this.transporter.sendMail(mail);
    } catch (error) {
      throw classifyDeliveryError(error);
    }
  }

  close(): void {
    this.transporter.close();
  }
}

/**
 * `.eml` files in a directory (MAIL_DIR), for development and single hosts without a mail server: the message as it
 * would go over SMTP, written whole (a temporary file renamed), named by its Message-ID, so a repeat overwrites it.
 */
export class DirectoryMailTransport implements MailTransport {
  private readonly composer = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  private ready: Promise<unknown> | undefined;

  constructor(private readonly directory: string) {}

  async send(mail: OutgoingMail): Promise<void> {
    try {
      this.ready ??= mkdir(this.directory, { recursive: true });
      await this.ready;
      const { message } = (await this.composer.sendMail(mail)) as { message: Buffer };
      const name = mail.messageId.replace(/[<>]/g, '').replace(/[^A-Za-z0-9._@-]/g, '_');
      const path = join(this.directory, `${name}.eml`);
      await writeFile(`${path}.tmp`, message);
      await rename(`${path}.tmp`, path);
    } catch (error) {
      this.ready = undefined;
      throw classifyDeliveryError(error);
    }
  }

  close(): void {
    this.composer.close();
  }
}

export function openMailTransport(config: { smtpUrl: string | undefined; dir: string }): MailTransport {
  return config.smtpUrl ? new SmtpMailTransport(config.smtpUrl) : new DirectoryMailTransport(config.dir);
}
