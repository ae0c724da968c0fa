import { Pool } from 'pg';
import { survivesServerLoss } from '@accounts/database';
import { createTestDatabase, dropTemplate, type TestDatabase } from '../support/postgres';

/**
 * A connection that dies while its client is checked out between two queries (a transaction waiting on the
 * application, a listener) must fail that client's next query, not crash the process with an unhandled `error` event.
 */
describe('a pool whose connection dies while a client is held', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('poolerr');
  });
  afterAll(async () => {
    await database.drop();
    await dropTemplate();
  });

  test('the held client fails its next query, and the pool goes on with a new connection', async () => {
    const pool = survivesServerLoss(new Pool({ connectionString: database.url, max: 1 }));
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const held = await pool.connect();
      const { rows } = await held.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // The server ends the connection while the client sits between queries: node-postgres emits `error` on it.
      await database.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(held.query('SELECT 1')).rejects.toThrow();
      held.release(true);
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await pool.end();
    }
  });
});
