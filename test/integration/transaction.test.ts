import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool';
import { withTransaction } from '../../src/db/transaction';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('A transaction whose connection breaks (Postgres restarting)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('fails like any error, without ending the process, and the pool carries on with a new connection', async () => {
    const pool = createPool(db.url, 1);
    try {
      const attempt = withTransaction(pool, async (client) => {
        const { pid } = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
        await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
        // The server's notice of the end arrives while no query runs: an 'error' event on the client.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await client.query('SELECT 1');
      });
      await expect(attempt).rejects.toThrow();
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
