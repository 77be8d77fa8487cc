import { parse as parseCsv } from 'csv-parse';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { sharingRefusal, type SharerKind } from '../activities/records';
import type { IdentityProtection } from '../db/persons';
import { withTransaction } from '../db/transaction';
import { parseIdentityNumber } from '../domain/identity-number';
import { firstProblem, MARKET_ATTESTATION, recordSubmissionSchema } from '../domain/record';

export type BulkFormat = 'json' | 'ndjson' | 'csv';

/** A batch is one request; larger loads are split by the sender (a million rows is about 300 MB of NDJSON). */
export const MAX_BATCH_ROWS = 1_000_000;

const COPY_COLUMNS =
  'batch_id, row_no, outcome, field, reason, reference, person_key, person_sealed, birth_date, category, type_code, formed_on, details, evidence, attestation, record_id';

/** COPY text format: backslash, tab and line breaks escaped; NULL as \N. */
function text(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function bytea(value: Buffer): string {
  return `\\\\x${value.toString('hex')}`;
}

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

/** The rows of a request body, one object (or parse error) at a time, streamed where the format allows. */
export async function* bulkRows(format: BulkFormat, body: Readable): AsyncGenerator<unknown> {
  if (format === 'csv') {
    for await (const row of body.pipe(parseCsv({ columns: true, skip_empty_lines: true, trim: true, bom: true }))) {
      yield fromCsv(row as Record<string, string>);
    }
  } else if (format === 'ndjson') {
    let rest = '';
    const parseLine = (line: string) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        return new SyntaxError('the line is not valid JSON');
      }
    };
    for await (const chunk of body) {
      const lines = (rest + (chunk as Buffer).toString('utf8')).split('\n');
      rest = lines.pop()!;
      for (const line of lines) if (line.trim() !== '') yield parseLine(line);
    }
    if (rest.trim() !== '') yield parseLine(rest);
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (!Array.isArray(parsed)) throw new SyntaxError('a JSON body must be an array of records');
    yield* parsed;
  }
}

export interface StagedBatch {
  batchId: string;
  rows: number;
  refusedAtIntake: number;
}

export class BatchTooLarge extends Error {}

/**
 * Checks every row against the record schema (identity number included) and streams it into
 * `intake_rows` with COPY: valid rows as `pending` with the person in the opaque form workflows
 * carry, invalid ones as `refused` with the field and the reason. The batch workflow does the rest.
 */
export async function stageBatch(
  pool: pg.Pool,
  identity: IdentityProtection,
  options: { sharer: { id: string; kind: SharerKind }; source: string; receivedBy: string; today: string; rows: AsyncIterable<unknown> },
): Promise<StagedBatch> {
  const batchId = randomUUID();
  let rowNo = 0;
  let refused = 0;
  await withTransaction(pool, async (db) => {
    const copy = db.query(copyFrom(`COPY intake_rows (${COPY_COLUMNS}) FROM STDIN`));
    const done = new Promise<void>((resolve, reject) => {
      copy.on('finish', resolve);
      copy.on('error', reject);
    });
    // Lines go to COPY in blocks: one write per row would cost more than the row itself.
    let block: string[] = [];
    const write = async (line: string) => {
      block.push(line);
      if (block.length < 2000) return;
      const full = block.join('');
      block = [];
      if (!copy.write(full)) await once(copy, 'drain');
    };
    // A batch often holds several records of one person: hash and seal each identity number once.
    const protectedIdentities = new Map<string, string>();
    const protect = (value: string) => {
      let columns = protectedIdentities.get(value);
      if (!columns) {
        columns = `${bytea(identity.lookupHash(value))}\t${bytea(identity.encrypt(value))}`;
        protectedIdentities.set(value, columns);
      }
      return columns;
    };
    try {
      for await (const raw of options.rows) {
        rowNo += 1;
        if (rowNo > MAX_BATCH_ROWS) throw new BatchTooLarge(`a batch holds at most ${MAX_BATCH_ROWS} rows`);
        const reference = typeof (raw as { reference?: unknown })?.reference === 'string' ? (raw as { reference: string }).reference.slice(0, 100) : null;
        const refuse = (field: string, reason: string) => {
          refused += 1;
          return write(`${batchId}\t${rowNo}\trefused\t${text(field)}\t${text(reason)}\t${text(reference)}\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n`);
        };
        if (raw instanceof SyntaxError) {
          await refuse('row', raw.message);
          continue;
        }
        const parsed = recordSubmissionSchema.safeParse(raw);
        if (!parsed.success) {
          const problem = firstProblem(parsed.error);
          await refuse(problem.field, problem.message);
          continue;
        }
        const record = parsed.data;
        const sharing = sharingRefusal(options.sharer.kind, record.category);
        if (sharing) {
          await refuse('category', sharing);
          continue;
        }
        if (record.formedOn > options.today) {
          await refuse('formedOn', 'must not be in the future');
          continue;
        }
        const id = parseIdentityNumber(record.identityNumber);
        if (!id.ok) continue; // the schema already refused it
        await write(
          [
            batchId, rowNo, 'pending', '\\N', '\\N', text(record.reference),
            protect(id.identity.value), id.identity.birthDate,
            record.category, record.typeCode, record.formedOn,
            text(JSON.stringify(record.details)), text(JSON.stringify(record.evidence)),
            record.attestation ? text(JSON.stringify(record.attestation)) : '\\N',
            // Time-ordered ids keep the records' primary-key index appends local.
            uuidv7(),
          ].join('\t') + '\n',
        );
      }
    } catch (error) {
      copy.destroy(error as Error);
      await done.catch(() => undefined);
      throw error;
    }
    copy.end(block.join(''));
    await done;
    await db.query(
      `INSERT INTO intake_batches (id, sharer_id, source, rows, received_by) VALUES ($1, $2, $3, $4, $5)`,
      [batchId, options.sharer.id, options.source, rowNo, options.receivedBy],
    );
  });
  return { batchId, rows: rowNo, refusedAtIntake: refused };
}
