import { existsSync, readdirSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { takeBaseBackup } from '../db/base-backup';
import { localDatabaseUrl } from '../db/local-database';
import { projectRoot } from '../project-root';
import { withDevSecrets } from './dev-secrets';

/**
 * The dev keys (src/workers/dev-secrets.ts): the identity numbers in the database and the payloads
 * in Temporal's histories are sealed under them, so a backup without them could not be read.
 */
const DEV_KEY_FILES = ['dev-secrets.json', 'dev-auth-public.pem'];

/**
 * `npm run backup -- --to <dir>`: a hot backup of a running `npm start`'s embedded Postgres into
 * `<dir>/postgres`, with the dev keys beside it (docs/operations.md "Backup and restore"). `<dir>` mirrors
 * DATA_DIR, so `npm run restore -- --from <dir>` puts everything back where it was.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { to: { type: 'string' } } });
  if (!values.to) throw new Error('Usage: npm run backup -- --to <new or empty folder>');
  const to = resolve(values.to);
  const dataDir = resolve(projectRoot, process.env.DATA_DIR ?? '.data');
  const env = process.env.PLATFORM_ENV === 'production' ? process.env : await withDevSecrets(process.env, dataDir);
  const config = loadConfig(env, 'worker');
  if (config.DATABASE_URL) {
    throw new Error("DATABASE_URL names an external Postgres: back it up with that server's own backups, or pg_dump -Fc of its major version (docs/operations.md \"Backup and restore\")");
  }
  const databaseDir = join(dataDir, 'postgres');
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) throw new Error(`No embedded Postgres in ${databaseDir}: set DATA_DIR to the folder \`npm start\` uses`);
  if (existsSync(to) && readdirSync(to).length > 0) throw new Error(`${to} is not empty: a backup writes only into a new or empty folder`);

  const started = performance.now();
  const backup = await takeBaseBackup({ adminUrl: localDatabaseUrl(config.EMBEDDED_POSTGRES_PORT, 'postgres'), dataDir: databaseDir, to: join(to, 'postgres') }).catch(
    (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw error;
      throw new Error(`No Postgres answers on port ${config.EMBEDDED_POSTGRES_PORT}: this backup copies a running \`npm start\`; with the platform stopped, copy ${dataDir} whole instead`);
    },
  );
  const seconds = (performance.now() - started) / 1000;
  for (const name of DEV_KEY_FILES) if (existsSync(join(dataDir, name))) await copyFile(join(dataDir, name), join(to, name));

  process.stdout.write(
    [
      `Backed up the platform database into ${join(to, 'postgres')}: ${backup.files} files, ${(backup.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s (WAL ${backup.startLsn} to ${backup.stopLsn}).`,
      `The dev keys are beside it: ${DEV_KEY_FILES.join(', ')}.`,
      config.TEMPORAL_ADDRESS
        ? `Temporal runs elsewhere (TEMPORAL_ADDRESS): its state is backed up with that cluster's persistence.`
        : `The Temporal dev server's state cannot be copied while it runs: stop \`npm start\`, then cp ${join(dataDir, 'temporal.sqlite')}* ${to}/`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
