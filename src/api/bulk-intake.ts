import { parse as parseCsv } from 'csv-parse';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type pg from 'pg';
import type { IdentityProtection } from '../db/persons';
import { withTransaction } from '../db/transaction';
import { MARKET_ATTESTATION } from '../domain/record';

export type BulkFormat = 'json' | 'ndjson' | 'csv';

/** A batch is one request; larger loads are split by the sender (a million rows is about 300 MB of NDJSON). */
export const MAX_BATCH_ROWS = 1_000_000;

/**
 * Rows per chunk, and so per storing activity: small enough that checking one chunk in the worker
 * overlaps storing the previous one in Postgres, large enough for set-based SQL to pay off.
 */
export const CHUNK_ROWS = 10_000;

/** Turns a CSV line (with `detail.<key>` columns) into the shape of a record submission. */
function fromCsv(row: Record<string, string>): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  for (const [column, raw] of Object.entries(row)) {
    if (!column.startsWith('detail.') || raw === '') continue;
    details[column.slice('detail.'.length)] = raw === 'true' ? true : raw === 'false' ? false : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  }
  const evidence = (row.evidence ?? '')
    .split('|')
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(':');
      return { kind: entry.slice(0, at), ref: entry.slice(at + 1) };
    });
  return {
    reference: row.reference,
    identityNumber: row.identityNumber,
    category: row.category,
    typeCode: row.typeCode,
    formedOn: row.formedOn,
    evidence,
    details,
    ...(row.attestedBy ? { attestation: { statement: MARKET_ATTESTATION, attestedBy: row.attestedBy, attestedAt: row.attestedAt } } : {}),
  };
}

const NEWLINE = 0x0a;
const NEWLINE_BYTES = Buffer.from('\n');

/** Whether a line holds only spaces, tabs or a carriage return. */
function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}

/**
 * The rows of a request body as NDJSON lines, streamed where the format allows: NDJSON lines pass
 * through as bytes, never decoded here (blank ones are skipped); JSON array elements and CSV rows
 * are turned into one each.
 */
export async function* bulkLines(format: BulkFormat, body: Readable): AsyncGenerator<Buffer> {
  if (format === 'csv') {
    for await (const row of body.pipe(parseCsv({ columns: true, skip_empty_lines: true, trim: true, bom: true }))) {
      yield Buffer.from(JSON.stringify(fromCsv(row as Record<string, string>)));
    }
  } else if (format === 'ndjson') {
    let rest: Buffer = Buffer.alloc(0);
    for await (const chunk of body) {
      const bytes = rest.length === 0 ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer]);
      let start = 0;
      for (let end = bytes.indexOf(NEWLINE); end !== -1; end = bytes.indexOf(NEWLINE, start)) {
        const line = bytes.subarray(start, end);
        if (!isBlank(line)) yield line;
        start = end + 1;
      }
      rest = bytes.subarray(start);
    }
    if (!isBlank(rest)) yield rest;
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (!Array.isArray(parsed)) throw new SyntaxError('a JSON body must be an array of records');
    for (const row of parsed) yield Buffer.from(JSON.stringify(row));
  }
}

export interface StagedBatch {
  batchId: string;
  rows: number;
  chunks: number;
}

export class BatchTooLarge extends Error {}

/**
 * Stages a request's rows in `intake_chunks`, CHUNK_ROWS lines a chunk, compressed (NDJSON
 * shrinks several times over, and the database writes and reads every byte) and sealed because
 * they hold identity numbers, all in one transaction: a request that breaks off leaves nothing behind. The
 * batch workflow checks and stores the chunks; only the batch id passes through Temporal.
 */
export async function stageBatch(
  pool: pg.Pool,
  identity: IdentityProtection,
  options: { sharerId: string; source: string; receivedBy: string; lines: AsyncIterable<Buffer> },
): Promise<StagedBatch> {
  const batchId = randomUUID();
  let rows = 0;
  let chunks = 0;
  await withTransaction(pool, async (db) => {
    await db.query(`INSERT INTO intake_batches (id, sharer_id, source, rows, received_by) VALUES ($1, $2, $3, 0, $4)`, [
      batchId, options.sharerId, options.source, options.receivedBy,
    ]);
    // One chunk is written while the next is read: the request never waits for the database twice.
    let writing: Promise<unknown> = Promise.resolve();
    let lines: Buffer[] = [];
    const flush = async () => {
      const body = identity.seal(gzipSync(Buffer.concat(lines.flatMap((line, i) => (i === 0 ? [line] : [NEWLINE_BYTES, line]))), { level: 1 }));
      const chunk = [batchId, chunks, rows - lines.length + 1, lines.length, body];
      chunks += 1;
      lines = [];
      await writing;
      writing = db.query('INSERT INTO intake_chunks (batch_id, chunk_no, first_row, rows, body) VALUES ($1, $2, $3, $4, $5)', chunk);
      // Awaited at the next chunk or the end; until then a failure must not count as unhandled.
      writing.catch(() => undefined);
    };
    for await (const line of options.lines) {
      rows += 1;
      if (rows > MAX_BATCH_ROWS) throw new BatchTooLarge(`a batch holds at most ${MAX_BATCH_ROWS} rows`);
      lines.push(line);
      if (lines.length === CHUNK_ROWS) await flush();
    }
    if (rows === 0) throw new SyntaxError('the batch holds no rows');
    if (lines.length > 0) await flush();
    await writing;
    await db.query('UPDATE intake_batches SET rows = $2, chunks = $3 WHERE id = $1', [batchId, rows, chunks]);
  });
  return { batchId, rows, chunks };
}
