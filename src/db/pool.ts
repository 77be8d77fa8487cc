import pg from 'pg';

// Dates stay 'YYYY-MM-DD' strings: a calendar day must never be shifted by a time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Pool = pg.Pool;

/** What a query is sent through: the pool, or a client holding a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export function createPool(connectionString: string, max = 10): pg.Pool {
  return new pg.Pool({ connectionString, max });
}

/** The host, port and database of a connection string, without user or password, for messages. */
export function describeDatabase(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return 'an unparsable DATABASE_URL';
  }
}

/** Fails fast, naming the variable and the server (never the password), when Postgres is unreachable. */
export async function checkDatabase(pool: pg.Pool, connectionString: string, variable = 'DATABASE_URL'): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot connect to Postgres at ${describeDatabase(connectionString)} (${variable}): ${reason}`, { cause: error });
  }
}
