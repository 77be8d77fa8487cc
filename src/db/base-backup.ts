import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import pg from 'pg';

/**
 * A hot copy of a local Postgres through the manual's low-level base backup API ("Making a Base
 * Backup Using the Low Level API"): the embedded server ships no pg_dump or pg_basebackup, and a
 * client of another major version refuses to dump it. A restore is the copy in a fresh data
 * directory: the server replays the WAL from the backup label and comes up consistent.
 */
export interface BaseBackup {
  files: number;
  bytes: number;
  /** The WAL the restored server replays, from the backup's start to its stop. */
  startLsn: string;
  stopLsn: string;
}

interface Copied {
  files: number;
  bytes: number;
}

/**
 * What the manual and pg_basebackup leave out: directories whose contents the server removes or
 * rebuilds on start (kept, empty, for their owner and mode; the WAL is copied after the stop), and
 * files of the running server or of an earlier backup.
 */
const EMPTIED_DIRECTORIES = new Set(['pg_wal', 'pg_replslot', 'pg_stat_tmp', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_subtrans']);
const OMITTED_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label', 'tablespace_map', 'backup_manifest', 'postgresql.auto.conf.tmp', 'current_logfiles.tmp']);

type Treatment = 'copy' | 'empty' | 'omit';

function dataDirectoryTreatment(path: string, name: string): Treatment {
  if (EMPTIED_DIRECTORIES.has(path)) return 'empty';
  // The relation cache files are rebuilt on start, the temporary files belong to running queries.
  if (OMITTED_FILES.has(name) || name.startsWith('pg_internal.init') || name.startsWith('pgsql_tmp')) return 'omit';
  return 'copy';
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** Makes `target` with the owner and mode of `source`; false when `source` is gone. */
async function makeDirectoryLike(source: string, target: string): Promise<boolean> {
  const owner = await stat(source).catch((error: unknown) => (isMissing(error) ? undefined : Promise.reject(error)));
  if (!owner) return false;
  await mkdir(target, { recursive: true });
  await chown(target, owner.uid, owner.gid);
  await chmod(target, owner.mode & 0o7777);
  return true;
}

/**
 * Copies `path` (relative to `from`) into `to`, each folder and file keeping its owner and mode:
 * Postgres runs as its own system user and refuses a data directory others can read. A file or
 * folder removed while the copy runs (a dropped table, a finished query's temporary file) is
 * skipped; the pages of files written meanwhile are made whole again by the WAL replay.
 */
async function copyDirectory(from: string, to: string, path: string, treat: (path: string, name: string) => Treatment, copied: Copied): Promise<void> {
  if (!(await makeDirectoryLike(join(from, path), join(to, path)))) return;
  const entries = await readdir(join(from, path), { withFileTypes: true }).catch((error: unknown) => (isMissing(error) ? [] : Promise.reject(error)));
  for (const entry of entries) {
    const child = join(path, entry.name);
    const treatment = treat(child, entry.name);
    if (treatment === 'omit') continue;
    if (entry.isDirectory() && treatment === 'empty') await makeDirectoryLike(join(from, child), join(to, child));
    else if (entry.isDirectory()) await copyDirectory(from, to, child, treat, copied);
    else if (entry.isFile()) await copyFileKeepingOwner(join(from, child), join(to, child), copied, true);
    else throw new Error(`${join(from, child)} is neither a file nor a folder: this backup copies a data directory without links`);
  }
}

async function copyFileKeepingOwner(source: string, target: string, copied: Copied, missingOk: boolean): Promise<void> {
  try {
    const owner = await stat(source);
    // copyFile keeps the mode; the owner is set here.
    await copyFile(source, target);
    await chown(target, owner.uid, owner.gid);
  } catch (error) {
    if (missingOk && isMissing(error)) return;
    throw error;
  }
  copied.files += 1;
  copied.bytes += (await stat(target)).size;
}

/** A backup and a restore write only into a new or empty folder, never over existing files. */
function requireEmptyDirectory(path: string): void {
  if (existsSync(path) && readdirSync(path).length > 0) throw new Error(`${path} is not empty: a backup or a restore writes only into a new or empty folder, never over existing files`);
}

/** The files copied must be the running server's own, or its WAL would be replayed onto another cluster's files. */
async function requireServerOf(client: pg.Client, dataDir: string): Promise<void> {
  const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
  const served = rows[0]!.data_directory;
  if (!existsSync(served) || realpathSync(served) !== dataDir) throw new Error(`The server at this address keeps its data in ${served}, not in ${dataDir}`);
}

/**
 * The WAL segment files from `first` through `last`, named as Postgres names them: the timeline,
 * then the segment number as two 8-digit hex halves, the high one counting 4 GB of WAL.
 */
function walSegmentNames(first: string, last: string, segmentBytes: number): string[] {
  const perHigh = 0x1_0000_0000 / segmentBytes;
  const numberOf = (name: string) => parseInt(name.slice(8, 16), 16) * perHigh + parseInt(name.slice(16, 24), 16);
  const hex = (value: number) => value.toString(16).toUpperCase().padStart(8, '0');
  const names: string[] = [];
  for (let segment = numberOf(first); segment <= numberOf(last); segment++) names.push(first.slice(0, 8) + hex(Math.floor(segment / perHigh)) + hex(segment % perHigh));
  return names;
}

/**
 * The WAL from the backup's start through its stop, which the restored server needs to reach a
 * consistent state. pg_backup_stop has switched to a new segment, so the last one is complete.
 */
async function copyWal(client: pg.Client, dataDir: string, to: string, backup: { startLsn: string; stopLsn: string }, copied: Copied): Promise<void> {
  const { rows } = await client.query<{ first: string; last: string; segment_bytes: string }>(
    `SELECT pg_walfile_name($1) AS first, pg_walfile_name($2) AS last, setting AS segment_bytes FROM pg_settings WHERE name = 'wal_segment_size'`,
    [backup.startLsn, backup.stopLsn],
  );
  const range = rows[0]!;
  for (const name of walSegmentNames(range.first, range.last, Number(range.segment_bytes))) {
    await copyFileKeepingOwner(join(dataDir, 'pg_wal', name), join(to, 'pg_wal', name), copied, false);
  }
}

/**
 * A hot base backup of the local server whose data directory is `dataDir`, into the new or empty
 * folder `to`, while the platform keeps writing. `adminUrl` is a superuser's connection to it.
 */
export async function takeBaseBackup(options: { adminUrl: string; dataDir: string; to: string }): Promise<BaseBackup> {
  const dataDir = realpathSync(options.dataDir);
  const to = resolve(options.to);
  if (!relative(dataDir, to).startsWith('..')) throw new Error(`${to} is inside the data directory ${dataDir}: back it up elsewhere`);
  requireEmptyDirectory(to);
  if (readdirSync(join(dataDir, 'pg_tblspc')).length > 0) throw new Error(`${dataDir} has tablespaces outside it: this backup copies the data directory only`);

  const client = new pg.Client({ connectionString: options.adminUrl });
  await client.connect();
  // Should anything below fail, ending the session aborts the backup on the server.
  try {
    await requireServerOf(client, dataDir);
    // Until the session ends, this slot keeps the server from removing or recycling the WAL the
    // copy will need, however many checkpoints run meanwhile (as pg_basebackup's temporary slot).
    await client.query('SELECT pg_create_physical_replication_slot($1, immediately_reserve => true, temporary => true)', [`backup_${randomBytes(6).toString('hex')}`]);
    // fast: an immediate checkpoint, rather than one spread over checkpoint_timeout.
    const started = await client.query<{ lsn: string }>('SELECT pg_backup_start($1, fast => true)::text AS lsn', [`integrity ${new Date().toISOString()}`]);
    const copied: Copied = { files: 0, bytes: 0 };
    await copyDirectory(dataDir, to, '', dataDirectoryTreatment, copied);
    // No WAL archive here: the segments are copied from pg_wal just below.
    const stopped = await client.query<{ lsn: string; labelfile: string }>('SELECT lsn::text, labelfile FROM pg_backup_stop(wait_for_archive => false)');
    const backup = { startLsn: started.rows[0]!.lsn, stopLsn: stopped.rows[0]!.lsn };
    await copyWal(client, dataDir, to, backup, copied);
    // The label tells the restored server where to start its replay, and must be written unchanged.
    // It is written last, so a backup that failed midway has none and is never restored.
    const owner = await stat(dataDir);
    const label = stopped.rows[0]!.labelfile;
    await writeFile(join(to, 'backup_label'), label, { mode: 0o600 });
    await chown(join(to, 'backup_label'), owner.uid, owner.gid);
    copied.files += 1;
    copied.bytes += Buffer.byteLength(label);
    return { ...copied, ...backup };
  } finally {
    await client.end();
  }
}

/**
 * Restores a base backup into `dataDir`, which must not exist or be empty: a restore never
 * replaces a database. Starting a server on it replays the backup's WAL.
 */
export async function restoreBaseBackup(options: { from: string; dataDir: string }): Promise<{ files: number; bytes: number }> {
  if (!existsSync(join(options.from, 'backup_label'))) throw new Error(`${options.from} holds no complete base backup: it has no backup_label`);
  requireEmptyDirectory(options.dataDir);
  const copied: Copied = { files: 0, bytes: 0 };
  // Owners come from the backup, which kept the original data directory's.
  await copyDirectory(resolve(options.from), resolve(options.dataDir), '', () => 'copy', copied);
  await chmod(options.dataDir, 0o700);
  return copied;
}
