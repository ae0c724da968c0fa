/**
 * Bounds on the service's own PostgreSQL sessions, as libpq `options`. In the PostgreSQL event store, readers see
 * only events older than every running transaction of the cluster, so a transaction of ours left open (a bug, a
 * stuck await) would freeze every projection: the server ends it after this long idle. Our transactions are short;
 * a minute idle inside one is never intended.
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;
/** For pools of short statements only (idempotency records): rebuilds, exports and migrations run longer ones. */
export const SHORT_STATEMENT_TIMEOUT_MS = 10_000;
/**
 * Every other statement of ours: a backstop, not a budget. A running statement holds the horizon as an idle
 * transaction does; the longest we mean to run (an index built at a rebuild's swap, a page of a large export) takes
 * seconds, so one still running after five minutes is stuck, and ending it lets every projection move again.
 */
export const LONG_STATEMENT_TIMEOUT_MS = 300_000;

export function boundedSessionOptions(options: { statementTimeoutMs?: number } = {}): string {
  return `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS} -c statement_timeout=${options.statementTimeoutMs ?? LONG_STATEMENT_TIMEOUT_MS}`;
}
