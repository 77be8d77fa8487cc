import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreBaseBackup, takeBaseBackup, type BaseBackup } from '../../src/db/base-backup';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded';
import { migrate } from '../../src/db/migrate';
import { freePort } from '../support/ports';

/** One person, a record about them and the register row of a read of it, in one transaction. */
const WRITE_ROWS = `
  WITH person AS (
    INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date) VALUES ($1, $2, $3, '1982-02-02') RETURNING id
  ), record AS (
    INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late, status, version, details, evidence, changed_by)
    SELECT $4::uuid, 'jinan-court', $4::text, id, 'judicial', 'court-judgment', 'public-agency', current_date, now(), false, 'active', 1, '{}', '[]', 'backup test' FROM person
    RETURNING id
  ), read AS (
    INSERT INTO query_log (actor_role, actor_id, person_id, purpose, legal_basis)
    SELECT 'requester', 'bank-1', id, 'lending', 'Art. 15 authorization' FROM person
    RETURNING id
  )
  SELECT (SELECT id FROM record) AS record_id, (SELECT id::text FROM read) AS register_id`;

interface Written {
  recordId: string;
  registerId: string;
  /** The server's WAL position once the commit returned: the commit record ends at or before it. */
  committedBy: bigint;
}

const lsn = (text: string) => {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
};

async function writeRows(client: pg.Client): Promise<Written> {
  const { rows } = await client.query<{ record_id: string; register_id: string }>(WRITE_ROWS, [randomUUID(), randomBytes(32), randomBytes(48), randomUUID()]);
  const position = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return { recordId: rows[0]!.record_id, registerId: rows[0]!.register_id, committedBy: lsn(position.rows[0]!.lsn) };
}

/** Writes without pause until stopped, as the platform does while it is backed up. */
function keepWriting(client: pg.Client): { stop(): Promise<Written[]> } {
  const written: Written[] = [];
  let writing = true;
  const loop = (async () => {
    while (writing) written.push(await writeRows(client));
  })();
  return {
    async stop() {
      writing = false;
      await loop;
      return written;
    },
  };
}

async function ids(url: string, table: 'records' | 'query_log'): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return new Set((await client.query<{ id: string }>(`SELECT id::text FROM ${table}`)).rows.map((row) => row.id));
  } finally {
    await client.end();
  }
}

describe('Backup and restore: a hot base backup of the platform database restores every record and register row', () => {
  let root: string;
  let source: EmbeddedDatabase | undefined;
  let restored: EmbeddedDatabase | undefined;
  let backup: BaseBackup;
  /** What was committed before the backup stopped, so the restored server must have. */
  let committed: Written[];
  let writtenWhileCopying: number;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'integrity-backup-'));
    // As root, Postgres runs as the `postgres` user, which must be able to reach its data folders.
    chmodSync(root, 0o755);
    source = await startEmbeddedPostgres({ dataDir: join(root, 'source'), port: await freePort(), database: 'integrity' });
    await migrate(source.url);

    const client = new pg.Client({ connectionString: source.url });
    await client.connect();
    try {
      const before: Written[] = [];
      for (let i = 0; i < 200; i++) before.push(await writeRows(client));
      const writer = keepWriting(client);
      backup = await takeBaseBackup({ adminUrl: source.urlFor('postgres'), dataDir: join(root, 'source'), to: join(root, 'backup') });
      const during = await writer.stop();
      const stop = lsn(backup.stopLsn);
      committed = [...before, ...during.filter((row) => row.committedBy <= stop)];
      writtenWhileCopying = during.filter((row) => row.committedBy > lsn(backup.startLsn) && row.committedBy <= stop).length;
    } finally {
      await client.end();
    }

    await restoreBaseBackup({ from: join(root, 'backup'), dataDir: join(root, 'restored') });
    restored = await startEmbeddedPostgres({ dataDir: join(root, 'restored'), port: await freePort(), database: 'integrity' });
  });

  afterAll(async () => {
    await restored?.stop();
    await source?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('finds every record and every register row committed before the backup stopped, those written while it copied included', async () => {
    expect(writtenWhileCopying).toBeGreaterThan(0);
    const records = await ids(restored!.url, 'records');
    const register = await ids(restored!.url, 'query_log');
    expect(committed.filter((row) => !records.has(row.recordId))).toEqual([]);
    expect(committed.filter((row) => !register.has(row.registerId))).toEqual([]);
  });

  it('keeps the restored register append-only (Art. 22): UPDATE and DELETE are still refused', async () => {
    const client = new pg.Client({ connectionString: restored!.url });
    await client.connect();
    try {
      await expect(client.query("UPDATE query_log SET purpose = 'other'")).rejects.toThrow(/append-only/);
      await expect(client.query('DELETE FROM query_log')).rejects.toThrow(/append-only/);
    } finally {
      await client.end();
    }
  });

  it('accepts new records and register rows on the restored server', async () => {
    const client = new pg.Client({ connectionString: restored!.url });
    await client.connect();
    try {
      const written = await writeRows(client);
      expect((await ids(restored!.url, 'records')).has(written.recordId)).toBe(true);
      expect((await ids(restored!.url, 'query_log')).has(written.registerId)).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('never restores over existing files or backs up into them', async () => {
    await expect(restoreBaseBackup({ from: join(root, 'backup'), dataDir: join(root, 'source') })).rejects.toThrow(/is not empty/);
    const occupied = join(root, 'occupied');
    mkdirSync(occupied);
    writeFileSync(join(occupied, 'notes.txt'), 'kept');
    await expect(takeBaseBackup({ adminUrl: source!.urlFor('postgres'), dataDir: join(root, 'source'), to: occupied })).rejects.toThrow(/is not empty/);
  });
});
