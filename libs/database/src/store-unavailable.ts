/**
 * "A store the request needs is down": the one test the HTTP layer uses to answer 503 `service_unavailable` with
 * `Retry-After` (../shared/API.md), instead of a 500 or, worse, a 401 that would log a person out.
 *
 * A component that knows it lost its store throws `StoreUnavailableError` (or any error whose `code` ends in
 * `_unavailable`, as the event store's `EventStoreUnavailableError` does). Errors straight from the drivers are
 * recognised too, since most code lets them through unwrapped: pg, slonik, ioredis and Node's sockets. The cause
 * chain is followed, so a wrapper that keeps the original error as `cause` is recognised as well.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
  readonly retryable = true;
  constructor(
    /** Which store: `postgres`, `redis`, `event_store`, `search`… (a name, never an address). */
    readonly store: string,
    options?: { cause?: unknown },
  ) {
    super(`${store} is unavailable`, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Node socket errors, PostgreSQL SQLSTATEs of class 08 (connection exception) and those that mean the server is
 * going away, starting, full, or cut our statement or idle transaction short (our own bounds: see pool-options.ts).
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '57014', // query_canceled (statement_timeout)
  '25P03', // idle_in_transaction_session_timeout
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
]);

/** Error classes of the drivers, by name (so this module needs none of them). */
const UNAVAILABLE_NAMES = new Set([
  // ioredis: a command given up after its retries, or a cluster with no node left.
  'MaxRetriesPerRequestError',
  'ClusterAllFailedError',
  // slonik
  'ConnectionError',
  'BackendTerminatedError',
  'BackendTerminatedUnexpectedlyError',
  'StatementTimeoutError',
  'IdleTransactionTimeoutError',
  // our own adapters
  'SearchClusterUnavailableError',
]);

/** Messages of errors the drivers raise as plain `Error`s. */
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|Connection is closed\.|Stream isn't writeable|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end on the pool|Query read timeout)/;

/**
 * Errors are recognised by shape, not `instanceof Error`: Node's socket errors come from another realm under jest's
 * VM contexts (and from another copy of a package, in general), where `instanceof` says no.
 */
interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  constructor?: { name?: string };
}

export function isStoreUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 8; depth++) {
    if (current instanceof StoreUnavailableError) return true;
    const { name, code, message, cause, errors, constructor } = current as ErrorLike;
    if (typeof code === 'string' && (code.endsWith('_unavailable') || UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    if ((typeof name === 'string' && UNAVAILABLE_NAMES.has(name)) || UNAVAILABLE_NAMES.has(constructor?.name ?? '')) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    // AggregateError: Node's connect() to "localhost" tries ::1 and 127.0.0.1 and reports both refusals.
    if (Array.isArray(errors) && errors.some((inner) => isStoreUnavailable(inner))) return true;
    current = cause;
  }
  return false;
}
