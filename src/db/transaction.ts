import type pg from 'pg';

/**
 * Runs `work` in one transaction: committed if it returns, rolled back if it throws. A connection
 * that breaks meanwhile (Postgres restarting) fails the transaction like any error, and is
 * dropped from the pool: a checked-out client has no listener of the pool's, and its 'error'
 * event would otherwise end the process (the fault proof found a worker killed that way).
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onBroken = (error: Error) => {
    broken = error;
  };
  client.on('error', onBroken);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // On a broken connection there is nothing to roll back: the server ended the transaction.
    if (!broken) await client.query('ROLLBACK').catch((rollbackFailure: Error) => (broken = rollbackFailure));
    throw error;
  } finally {
    client.off('error', onBroken);
    client.release(broken);
  }
}
