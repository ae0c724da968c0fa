import type { Pool, PoolClient } from 'pg';

const ignore = () => undefined;

/**
 * Keeps a dead PostgreSQL connection from crashing the process. node-postgres emits `error` on a client whose
 * connection dies: the pool listens only while the client is idle, and `pool.query` only during its query, so a
 * client held between two queries (a transaction, the migrator, a listener) with no listener of its own would throw
 * an unhandled `error` event when the server goes away (seen in the PostgreSQL-kill test: "Unhandled error.
 * (error: terminating connection due to unexpected postmaster exit)"). Every client gets a listener for its whole
 * life; the error still fails the query it interrupts, and the pool drops the client when it is released.
 */
export function survivesServerLoss<T extends Pool>(pool: T): T {
  pool.on('error', ignore);
  pool.on('connect', (client: PoolClient) => void client.on('error', ignore));
  return pool;
}
