import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { restoreBaseBackup } from '../db/base-backup';
import { projectRoot } from '../project-root';

/**
 * `npm run restore -- --from <dir>`: puts a backup made by `npm run backup` back under DATA_DIR
 * (docs/operations.md "Backup and restore"): the database into DATA_DIR/postgres, which must not exist or be
 * empty, never over live data; the backup's other files (the dev keys, and the Temporal SQLite
 * file if it was added) where DATA_DIR has none. `npm start` then replays the WAL and carries on.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { from: { type: 'string' } } });
  if (!values.from) throw new Error('Usage: npm run restore -- --from <folder made by npm run backup>');
  if (process.env.DATABASE_URL) throw new Error("DATABASE_URL names an external Postgres: restore it with pg_restore or that server's own restore (docs/operations.md \"Backup and restore\")");
  const from = resolve(values.from);
  const dataDir = resolve(projectRoot, process.env.DATA_DIR ?? '.data');
  const files = readdirSync(from, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name);
  // Other dev keys would leave the restored identity numbers and workflow histories unreadable.
  const different = files.filter((name) => existsSync(join(dataDir, name)) && !readFileSync(join(dataDir, name)).equals(readFileSync(join(from, name))));
  if (different.length > 0) throw new Error(`${dataDir} already has another ${different.join(', ')}: restore into a new DATA_DIR`);

  const started = performance.now();
  const restored = await restoreBaseBackup({ from: join(from, 'postgres'), dataDir: join(dataDir, 'postgres') });
  const added = files.filter((name) => !existsSync(join(dataDir, name)));
  for (const name of added) await copyFile(join(from, name), join(dataDir, name));
  const seconds = (performance.now() - started) / 1000;

  const report = [
    `Restored the platform database into ${join(dataDir, 'postgres')}: ${restored.files} files, ${(restored.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s.`,
    added.length > 0 ? `Copied into ${dataDir}: ${added.join(', ')}.` : `${dataDir} already had the backup's other files.`,
  ];
  if (!files.includes('temporal.sqlite')) report.push('The backup holds no Temporal state: the dev server will start without the workflows that were running.');
  report.push("`npm start` replays the backup's WAL and carries on from it.");
  process.stdout.write(`${report.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
