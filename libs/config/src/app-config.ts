import { z } from 'zod';
import { parseRedisUrl } from './redis-url';

/**
 * The service's configuration, read once from the environment (../shared/API.md, Configuration). Invalid values
 * stop the process at start with the variable's name — never its value, which may be a secret.
 */
const DEFAULT_DATABASE_URL = 'postgres://root@127.0.0.1:5432/test';

/**
 * The development API key, usable only outside production (README): `dev-local-key`, every scope but `audit:pii`
 * (a key anyone can read in the README must not see personal data unmasked), with a budget of 100,000 requests a
 * second, so that load tests and benchmarks on a laptop measure the service rather than its budget (budgets are
 * tested with keys of their own). Stored, like every key, as its SHA-256.
 */
export const DEVELOPMENT_SERVICE_KEYS = 'dev:3700285e3c8496a57e45eb1ccd43f2424852788576961320fbb31f86f17edb61:commands+queries+sessions+audit+ops+users:manage+events+webhooks:100000/s';

const environmentSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.string().min(1).default(DEFAULT_DATABASE_URL),
  EVENTSTORE_URL: z.string().min(1).optional(),
  /** One server (`redis://…`, `rediss://…`) or a cluster's seed nodes (`redis+cluster://host:port,host:port`). */
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379').refine((url) => parseRedisUrl(url) !== undefined),
  OPENSEARCH_URL: z.string().min(1).optional(),
  S3_ENDPOINT: z.string().min(1).optional(),
  S3_BUCKET: z.string().min(1).optional(),
  S3_ACCESS_KEY: z.string().min(1).optional(),
  S3_SECRET_KEY: z.string().min(1).optional(),
  /** Where uploads go when no S3 store is configured (served by the service through signed URLs). */
  UPLOADS_DIR: z.string().min(1).default('var/uploads'),
  /** The service's address as clients reach it, for the URLs it hands out (uploads, local files). */
  PUBLIC_BASE_URL: z.url().optional(),
  /** How long a pre-signed upload URL stays valid. */
  UPLOAD_URL_SECONDS: z.coerce.number().int().min(1).max(3600).default(600),
  MASTER_KEY: z.string().min(1).optional(),
  SERVICE_KEYS: z.string().min(1).optional(),
  SESSION_TTL_SECONDS: z.coerce.number().int().positive().default(8 * 3600),
  SESSION_IDLE_SECONDS: z.coerce.number().int().positive().default(30 * 60),
  /** Largest request body accepted, in bytes. Commands are small; anything larger is refused before parsing. */
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(64 * 1024),
  /** How long an ended invitation's address is kept (sealed) before its key is destroyed. */
  INVITATION_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  /** Mail (issue 16): an SMTP server (`smtp://user:pass@host:587`, `smtps://…`); unset: `.eml` files in MAIL_DIR. */
  SMTP_URL: z.string().min(1).optional(),
  MAIL_FROM: z.string().min(3).default('Accounts <no-reply@accounts.localhost>'),
  MAIL_DIR: z.string().min(1).default('var/mail'),
  /** Where the links in mail lead (the product's pages that take the token); defaults to PUBLIC_BASE_URL. */
  MAIL_LINK_BASE_URL: z.url().optional(),
  /** Run the projectors in the API process (the default for `npm start`); production runs them apart. */
  RUN_PROJECTORS: z.enum(['true', 'false']).default('true'),
  /** The staff organization whose members may use the console (/console); unset: nobody can sign in to it. */
  CONSOLE_ORGANIZATION_ID: z.uuid().optional(),
  /** Webhook URLs may be plain http and reach private or loopback addresses (tests, single-host setups). */
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
});

export interface AppConfig {
  production: boolean;
  port: number;
  host: string;
  logLevel: string;
  databaseUrl: string;
  eventStoreUrl: string | undefined;
  redisUrl: string;
  openSearchUrl: string | undefined;
  s3: { endpoint: string; bucket: string; accessKey: string; secretKey: string } | undefined;
  uploadsDir: string;
  publicBaseUrl: string;
  uploadUrlSeconds: number;
  masterKey: string | undefined;
  serviceKeys: string;
  usingDevelopmentServiceKeys: boolean;
  sessionTtlSeconds: number;
  sessionIdleSeconds: number;
  bodyLimitBytes: number;
  runProjectors: boolean;
  invitationRetentionDays: number;
  mail: { smtpUrl: string | undefined; from: string; dir: string; linkBase: string };
  consoleOrganizationId: string | undefined;
  /** Console cookies are `Secure` everywhere but in development and tests (plain http://localhost). */
  consoleSecureCookies: boolean;
  webhookAllowPrivate: boolean;
}

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))].join(', ');
    throw new ConfigurationError(`invalid configuration: check ${names}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && !e.SERVICE_KEYS) throw new ConfigurationError('SERVICE_KEYS is required in production');
  const s3Parts = [e.S3_ENDPOINT, e.S3_BUCKET, e.S3_ACCESS_KEY, e.S3_SECRET_KEY];
  if (s3Parts.some(Boolean) && !s3Parts.every(Boolean)) {
    throw new ConfigurationError('S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY and S3_SECRET_KEY go together');
  }
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    eventStoreUrl: e.EVENTSTORE_URL,
    redisUrl: e.REDIS_URL,
    openSearchUrl: e.OPENSEARCH_URL,
    s3: e.S3_ENDPOINT
      ? { endpoint: e.S3_ENDPOINT, bucket: e.S3_BUCKET!, accessKey: e.S3_ACCESS_KEY!, secretKey: e.S3_SECRET_KEY! }
      : undefined,
    uploadsDir: e.UPLOADS_DIR,
    uploadUrlSeconds: e.UPLOAD_URL_SECONDS,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    masterKey: e.MASTER_KEY,
    serviceKeys: e.SERVICE_KEYS ?? DEVELOPMENT_SERVICE_KEYS,
    usingDevelopmentServiceKeys: !e.SERVICE_KEYS,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    sessionIdleSeconds: e.SESSION_IDLE_SECONDS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    runProjectors: e.RUN_PROJECTORS === 'true',
    invitationRetentionDays: e.INVITATION_RETENTION_DAYS,
    mail: {
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM,
      dir: e.MAIL_DIR,
      linkBase: (e.MAIL_LINK_BASE_URL ?? e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    },
    consoleOrganizationId: e.CONSOLE_ORGANIZATION_ID?.toLowerCase(),
    consoleSecureCookies: e.NODE_ENV !== 'development' && e.NODE_ENV !== 'test',
    webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE === 'true',
  };
}
