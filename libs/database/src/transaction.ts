import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` in a transaction on one pooled connection. A connection that dies while checked out emits 'error' on
 * the client, which would crash the process if nobody listened; here it is listened to, the work fails with the
 * driver's error, and the broken connection is destroyed rather than returned to the pool.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: unknown;
  const onError = (error: unknown) => (broken = error);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken ??= await client.query('ROLLBACK').then(
      () => undefined,
      (rollbackError: unknown) => rollbackError,
    );
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken instanceof Error ? broken : undefined);
  }
}
