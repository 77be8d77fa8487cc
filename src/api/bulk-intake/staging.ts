import { CsvError, parse as parseCsv } from 'csv-parse';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type pg from 'pg';
import type { IdentityProtection } from '../../db/persons';
import { withTransaction } from '../../db/transaction';
import { MARKET_ATTESTATION } from '../../domain/record';
import { describeProblem, inputProblem, textProblem, type InputProblem } from '../../domain/storable-text';

export type BulkFormat = 'json' | 'ndjson' | 'csv';

const gzip = promisify(gzipCallback);

/** A batch is one request; larger loads are split by the sender (a million rows is about 300 MB of NDJSON). */
export const MAX_BATCH_ROWS = 1_000_000;

/**
 * Rows per chunk, and so per storing activity: small enough that checking one chunk in the worker
 * overlaps storing another in Postgres, and that a chunk's rows stay a few megabytes; large
 * enough that what every chunk costs besides its rows (an activity, a transaction, a few lookups)
 * stays small. 5,000 was a tenth slower than 20,000 on a million rows.
 */
export const CHUNK_ROWS = 20_000;

/** Chunks read ahead of the one being written. */
const STAGING_AHEAD = 2;

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
    ...(row.tier ? { tier: row.tier } : {}),
    evidence,
    details,
    ...(row.attestedBy ? { attestation: { statement: MARKET_ATTESTATION, attestedBy: row.attestedBy, attestedAt: row.attestedAt } } : {}),
  };
}

const NEWLINE = 0x0a;

/** Whether bytes [from, to) hold only spaces, tabs or carriage returns. */
function isBlank(bytes: Buffer, from: number, to = bytes.length): boolean {
  for (let i = from; i < to; i++) {
    const byte = bytes[i];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  }
  return true;
}

/**
 * A row of a bulk body holding what no input may (storable-text.ts): the whole request is refused,
 * naming the row (counted from 1, as the batch's results count them), its field and, where the
 * format has lines, the line.
 */
export class BulkRowProblem extends Error {
  readonly field: string;
  /** The refusal's code, as for any other request's body. */
  readonly code: 'too-deep' | 'invalid-input';

  constructor(row: number, found: InputProblem, line?: number) {
    const field = ['rows', row, ...found.path].map(String).join('.').replaceAll('\u0000', '\\u0000').toWellFormed();
    super(`${field}${line === undefined ? '' : ` (line ${line})`}: ${describeProblem(found.problem)}`);
    this.field = field;
    this.code = found.problem === 'too-deep' ? 'too-deep' : 'invalid-input';
  }
}

/** A CSV body that cannot be read, with the line where reading stopped. */
export class CsvSyntaxError extends Error {}

async function* csvLines(body: Readable): AsyncGenerator<Buffer> {
  try {
    let row = 0;
    for await (const { record, info } of body.pipe(parseCsv({ columns: true, skip_empty_lines: true, trim: true, bom: true, info: true }))) {
      row += 1;
      for (const [column, cell] of Object.entries(record as Record<string, string>)) {
        const problem = textProblem(column) ?? textProblem(cell);
        if (problem) throw new BulkRowProblem(row, { path: [column], problem }, (info as { lines: number }).lines);
      }
      yield Buffer.from(`${JSON.stringify(fromCsv(record as Record<string, string>))}\n`);
    }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = typeof error.lines === 'number' ? `line ${error.lines}: ` : '';
    throw new CsvSyntaxError(`${line}${error.message}`);
  }
}

/**
 * A request body as NDJSON text, in pieces: NDJSON passes through as it arrives, never decoded
 * here (its rows are checked chunk by chunk, see unstorableRow); JSON array elements and CSV rows
 * are checked and turned into a line each.
 */
export async function* bulkText(format: BulkFormat, body: Readable): AsyncGenerator<Buffer> {
  if (format === 'csv') {
    yield* csvLines(body);
  } else if (format === 'ndjson') {
    yield* body as AsyncIterable<Buffer>;
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (!Array.isArray(parsed)) throw new SyntaxError('a JSON body must be an array of records');
    const found = inputProblem(parsed);
    if (found) throw new BulkRowProblem(Number(found.path[0]) + 1, { ...found, path: found.path.slice(1) });
    for (const row of parsed) yield Buffer.from(`${JSON.stringify(row)}\n`);
  }
}

const BACKSLASH_U = Buffer.from('\\u');

/**
 * The first NDJSON row of a chunk that holds what no input may, if any. Unstorable text can only
 * come as a NUL byte or a `\\u` escape (UTF-8 has no lone surrogates; Node decodes bad bytes as
 * U+FFFD), so only lines holding one of those are parsed; the rest pass on a byte search. A line
 * that is no JSON is left to the row checks, which refuse it as such.
 */
export function unstorableRow(body: Buffer, before: { lines: number; rows: number }): BulkRowProblem | undefined {
  for (let from = 0; from < body.length; ) {
    const escape = body.indexOf(BACKSLASH_U, from);
    const nul = body.indexOf(0, from);
    const hit = escape === -1 ? nul : nul === -1 ? escape : Math.min(escape, nul);
    if (hit === -1) return undefined;
    const start = body.lastIndexOf(NEWLINE, hit) + 1;
    const newline = body.indexOf(NEWLINE, hit);
    const end = newline === -1 ? body.length : newline;
    let row: unknown;
    try {
      row = JSON.parse(body.toString('utf8', start, end));
    } catch {
      row = undefined;
    }
    const found = row === undefined ? (nul !== -1 && nul < end ? { path: [], problem: 'nul' as const } : undefined) : inputProblem(row, 1);
    if (found) {
      const linesBefore = countLines(body, start);
      return new BulkRowProblem(before.rows + linesBefore.rows + 1, found, before.lines + linesBefore.lines + 1);
    }
    from = end + 1;
  }
  return undefined;
}

/** The lines, and the rows (lines that are not blank), in bytes [0, end) of a chunk. */
function countLines(body: Buffer, end: number): { lines: number; rows: number } {
  let lines = 0;
  let rows = 0;
  for (let start = 0, newline = body.indexOf(NEWLINE); newline !== -1 && newline < end; start = newline + 1, newline = body.indexOf(NEWLINE, start)) {
    lines += 1;
    if (!isBlank(body, start, newline)) rows += 1;
  }
  return { lines, rows };
}

export class BatchTooLarge extends Error {}

/**
 * NDJSON text cut into chunks of `rowsPerChunk` rows, a row being a line that is not blank
 * (blank lines travel along and are skipped where rows are read). Only the line ends are looked
 * at: the bytes themselves are copied once, into their chunk.
 */
export async function* ndjsonChunks(text: AsyncIterable<Buffer>, rowsPerChunk: number, maxRows: number): AsyncGenerator<{ body: Buffer; rows: number; lines: number }> {
  let parts: Buffer[] = [];
  let rows = 0;
  let lines = 0;
  let total = 0;
  // Whether the line being read (which may have begun in an earlier piece) holds anything.
  let lineHasContent = false;
  const countRow = () => {
    rows += 1;
    total += 1;
    if (total > maxRows) throw new BatchTooLarge(`a batch holds at most ${maxRows} rows`);
  };
  for await (const piece of text) {
    let kept = 0;
    let lineStart = 0;
    for (let end = piece.indexOf(NEWLINE); end !== -1; end = piece.indexOf(NEWLINE, lineStart)) {
      if (lineHasContent || !isBlank(piece, lineStart, end)) countRow();
      lines += 1;
      lineHasContent = false;
      lineStart = end + 1;
      if (rows === rowsPerChunk) {
        parts.push(piece.subarray(kept, lineStart));
        yield { body: Buffer.concat(parts), rows, lines };
        parts = [];
        rows = 0;
        lines = 0;
        kept = lineStart;
      }
    }
    lineHasContent ||= !isBlank(piece, lineStart);
    if (kept < piece.length) parts.push(piece.subarray(kept));
  }
  if (lineHasContent) countRow();
  if (rows > 0) yield { body: Buffer.concat(parts), rows, lines };
}

export interface StagedBatch {
  batchId: string;
  rows: number;
  chunks: number;
}

/**
 * Stages a request's rows in `intake_chunks`, CHUNK_ROWS rows a chunk, compressed (NDJSON
 * shrinks several times over, and the database writes and reads every byte) and sealed because
 * they hold identity numbers, all in one transaction: a request that breaks off leaves nothing behind. The
 * batch workflow checks and stores the chunks; only the batch id passes through Temporal.
 */
export async function stageBatch(
  pool: pg.Pool,
  identity: IdentityProtection,
  options: { sharerId: string; source: BulkFormat; receivedBy: string; text: AsyncIterable<Buffer>; rowsPerChunk?: number },
): Promise<StagedBatch> {
  const batchId = randomUUID();
  let rows = 0;
  let lines = 0;
  let chunks = 0;
  await withTransaction(pool, async (db) => {
    await db.query(`INSERT INTO intake_batches (id, sharer_id, source, rows, received_by) VALUES ($1, $2, $3, 0, $4)`, [
      batchId, options.sharerId, options.source, options.receivedBy,
    ]);
    // While the request's thread reads a chunk, the ones before it are compressed on libuv's
    // thread pool and written, in order; a few at most, so a large request streams through.
    const writes: Promise<void>[] = [];
    let written: Promise<void> = Promise.resolve();
    try {
      for await (const chunk of ndjsonChunks(options.text, options.rowsPerChunk ?? CHUNK_ROWS, MAX_BATCH_ROWS)) {
        // JSON and CSV rows were checked as they were read; NDJSON ones are here, before their chunk is written.
        const unstorable = options.source === 'ndjson' ? unstorableRow(chunk.body, { lines, rows }) : undefined;
        if (unstorable) throw unstorable;
        lines += chunk.lines;
        const staged = [batchId, chunks, rows + 1, chunk.rows] as const;
        const compressed = gzip(chunk.body, { level: 1 });
        chunks += 1;
        rows += chunk.rows;
        const previous = written;
        written = compressed.then(async (body) => {
          await previous;
          await db.query('INSERT INTO intake_chunks (batch_id, chunk_no, first_row, rows, body) VALUES ($1, $2, $3, $4, $5)', [...staged, identity.seal(body)]);
        });
        // Awaited below; until then a failure must not count as unhandled.
        written.catch(() => undefined);
        writes.push(written);
        if (writes.length > STAGING_AHEAD) await writes.shift();
      }
      await written;
    } finally {
      // Nothing may reach the connection after the transaction ends.
      await Promise.allSettled(writes);
    }
    if (rows === 0) throw new SyntaxError('the batch holds no rows');
    await db.query('UPDATE intake_batches SET rows = $2, chunks = $3 WHERE id = $1', [batchId, rows, chunks]);
  });
  return { batchId, rows, chunks };
}
