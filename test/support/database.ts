import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createPool } from '../../src/db/pool';

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('postgresUrlTemplate').replace('{db}', 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A database of the file's own, copied from the migrated template, so test files never see each
 * other's rows while sharing one Postgres server.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDatabase')}`));
  const url = inject('postgresUrlTemplate').replace('{db}', name);
  const pool = createPool(url);
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      await admin(async (client) => {
        // pool.end() resolves once its clients are told to end, not once their sessions have: a
        // forced drop meanwhile would kill a session still ending, an error nobody listens for.
        for (let waited = 0; waited < 2_000; waited += 20) {
          const open = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if (open.rows[0]!.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}
