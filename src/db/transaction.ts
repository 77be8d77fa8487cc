import type pg from 'pg';

/**
 * Thrown inside a transaction to end it without keeping anything, answering `value`: a refusal
 * found halfway (after a write that must not stay) is an outcome, not an error.
 */
export class Rollback<T> {
  constructor(readonly value: T) {}
}

/** Runs `work` in one transaction: committed if it returns, rolled back if it throws. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    if (error instanceof Rollback) return error.value as T;
    throw error;
  } finally {
    client.release();
  }
}
