import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { loadCalendar } from '../db/calendar';
import { copyInto, copyText } from '../db/copy';
import { personsOf, standingOf, type IdentityProtection, type PersonRow } from '../db/persons';
import { withTransaction } from '../db/transaction';
import { parseIdentityNumber } from '../domain/identity-number';
import { firstProblem, recordSubmissionSchema, type RecordSubmission } from '../domain/record';
import { refusesRecords } from '../domain/scope';
import { deadlineAfter, shanghaiDayOf, yearOf, type LocalDate } from '../domain/working-days';
import { applyIdentityFacts, sharingRefusal, typeRefusal, type IdentityFact, type SharerKind } from './records';

export interface BatchChunkInput {
  batchId: string;
  chunkNo: number;
  sharerId: string;
  sharerKind: SharerKind;
  sharedAt: string;
}

export interface BatchChunkResult {
  accepted: number;
  refused: number;
  duplicates: number;
  /** Obligations announced earlier whose record arrived in this chunk: the workflow closes them. */
  closedObligations: { workflowId: string; recordId: string; late: boolean }[];
}

type Row =
  | { refused: true; reference: string | null; field: string; reason: string }
  | { refused: false; reference: string; record: RecordSubmission; identityNumber: string; birthDate: LocalDate; personKey: string };

const RECORD_COLUMNS =
  'id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late, status, version, details, evidence, attestation, changed_by';
const OUTCOME_COLUMNS = 'batch_id, row_no, outcome, field, reason, reference, record_id, person_id';
const ALREADY_SHARED = 'a record with this reference was already shared';

/** What can be judged from the row alone: JSON, the record schema (identity number included), who may share it, its date. */
function checkRow(line: string, sharerKind: SharerKind, today: LocalDate, keyOf: (identityNumber: string) => string): Row {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { refused: true, reference: null, field: 'row', reason: 'the line is not valid JSON' };
  }
  const claimed = (raw as { reference?: unknown } | null)?.reference;
  const reference = typeof claimed === 'string' ? claimed.slice(0, 100) : null;
  const parsed = recordSubmissionSchema.safeParse(raw);
  if (!parsed.success) {
    const problem = firstProblem(parsed.error);
    return { refused: true, reference, field: problem.field, reason: problem.message };
  }
  const record = parsed.data;
  const sharing = sharingRefusal(sharerKind, record.category);
  if (sharing) return { refused: true, reference, field: 'category', reason: sharing };
  if (record.formedOn > today) return { refused: true, reference, field: 'formedOn', reason: 'must not be in the future' };
  const id = parseIdentityNumber(record.identityNumber);
  if (!id.ok) return { refused: true, reference, field: 'identityNumber', reason: `the resident identity number ${id.reason}` };
  const { value, birthDate } = id.identity;
  return { refused: false, reference: record.reference, record, identityNumber: value, birthDate, personKey: keyOf(value) };
}

/** Art. 10 due times of the formation days in a chunk, from the working-day calendar. */
async function dueTimes(db: pg.PoolClient, kind: SharerKind, formed: Set<LocalDate>): Promise<Map<LocalDate, number>> {
  if (kind !== 'agency' || formed.size === 0) return new Map();
  const years = new Set([...formed].map(yearOf).flatMap((year) => [year, year + 1]));
  const calendar = await loadCalendar(db, [...years]);
  return new Map([...formed].map((day) => [day, deadlineAfter(day, 7, calendar).dueAt.getTime()]));
}

/**
 * Checks a staged chunk's rows and stores the good ones with COPY, the way a bare load would:
 * the row checks, the catalogue, Art. 3 scope and references shared before are judged here, with
 * one indexed lookup each for persons and references. A record of the same reference stored
 * concurrently fails the chunk on the unique index; its retry then finds the duplicate.
 */
async function storeRows(db: pg.PoolClient, identity: IdentityProtection, input: BatchChunkInput, firstRow: number, body: Buffer) {
  const today = shanghaiDayOf(new Date(input.sharedAt));
  // A batch often holds several records of one person: hash each identity number once.
  const keys = new Map<string, string>();
  const keyOf = (identityNumber: string) => {
    let key = keys.get(identityNumber);
    if (key === undefined) {
      key = identity.lookupHash(identityNumber).toString('hex');
      keys.set(identityNumber, key);
    }
    return key;
  };
  const lines = gunzipSync(identity.open(body)).toString('utf8').split('\n');
  const rows = lines.map((line) => checkRow(line, input.sharerKind, today, keyOf));
  const refuse = (i: number, field: string, reason: string) => {
    rows[i] = { refused: true, reference: rows[i]!.reference, field, reason };
  };

  const catalogue = new Map(
    (await db.query<{ code: string; category: string }>('SELECT code, category FROM record_types')).rows.map((type) => [type.code, type.category]),
  );
  const identities = new Map<string, { identityNumber: string; birthDate: LocalDate }>();
  rows.forEach((row, i) => {
    if (row.refused) return;
    const unfit = typeRefusal(catalogue.get(row.record.typeCode), row.record);
    if (unfit) refuse(i, 'typeCode', unfit);
    else identities.set(row.personKey, row);
  });
  const persons = identities.size > 0 ? await personsOf(db, identity, identities) : new Map<string, PersonRow>();
  // Art. 3: no records of minors, of people without full civil capacity, or of people known not to live in Jinan.
  rows.forEach((row, i) => {
    if (row.refused || row.record.category === 'identity') return;
    const outOfScope = refusesRecords(standingOf(persons.get(row.personKey)!), today);
    if (outOfScope) refuse(i, 'identityNumber', outOfScope.message);
  });
  const good = rows.filter((row) => !row.refused);
  const shared = new Set(
    good.length === 0
      ? []
      : (
          await db.query<{ reference: string }>('SELECT reference FROM records WHERE sharer_id = $1 AND reference = ANY($2::text[])', [
            input.sharerId,
            good.map((row) => row.reference),
          ])
        ).rows.map((row) => row.reference),
  );
  const due = await dueTimes(db, input.sharerKind, new Set(good.map((row) => row.record.formedOn)));
  const sharedAt = Date.parse(input.sharedAt);

  const sharedAtText = copyText(input.sharedAt);
  const sharer = copyText(input.sharerId);
  const source = input.sharerKind === 'provider' ? 'market-provider' : 'public-agency';
  const changedBy = copyText(`record-batch/${input.batchId}`);
  const counts = { accepted: 0, refused: 0, duplicates: 0 };
  // The records' ids draw their randomness at once: one draw per id cost more than the id.
  const randomness = randomBytes(16 * good.length);
  const facts: IdentityFact[] = [];
  let records = '';
  let outcomes = '';
  rows.forEach((row, i) => {
    const rowNo = firstRow + i;
    const reference = copyText(row.reference);
    if (row.refused) {
      counts.refused += 1;
      outcomes += `${input.batchId}\t${rowNo}\trefused\t${copyText(row.field)}\t${copyText(row.reason)}\t${reference}\t\\N\t\\N\n`;
      return;
    }
    if (shared.has(row.reference)) {
      counts.duplicates += 1;
      outcomes += `${input.batchId}\t${rowNo}\tduplicate\treference\t${ALREADY_SHARED}\t${reference}\t\\N\t\\N\n`;
      return;
    }
    shared.add(row.reference);
    const { record } = row;
    const person = persons.get(row.personKey)!;
    // Time-ordered ids keep the records' primary-key index appends local.
    const recordId = uuidv7({ random: randomness.subarray(16 * counts.accepted, 16 * counts.accepted + 16) });
    const dueAt = due.get(record.formedOn);
    const late = dueAt !== undefined && sharedAt > dueAt ? 't' : 'f';
    const attestation = record.attestation ? copyText(JSON.stringify(record.attestation)) : '\\N';
    records +=
      `${recordId}\t${sharer}\t${reference}\t${person.id}\t${record.category}\t${record.typeCode}\t${source}\t${record.formedOn}\t` +
      `${sharedAtText}\t${late}\tactive\t1\t${copyText(JSON.stringify(record.details))}\t${copyText(JSON.stringify(record.evidence))}\t` +
      `${attestation}\t${changedBy}\n`;
    outcomes += `${input.batchId}\t${rowNo}\taccepted\t\\N\t\\N\t${reference}\t${recordId}\t${person.id}\n`;
    counts.accepted += 1;
    if (record.category === 'identity') facts.push({ personId: person.id, typeCode: record.typeCode, details: record.details });
  });

  if (records !== '') await copyInto(db, 'records', RECORD_COLUMNS, records);
  await copyInto(db, 'intake_rows', OUTCOME_COLUMNS, outcomes);
  await applyIdentityFacts(db, facts);
  return counts;
}

/**
 * Checks and stores one staged chunk of a bulk batch (Art. 10) in one transaction that also
 * empties the chunk, so a retried or resumed chunk never stores a row twice: a chunk already
 * stored only reports again. Runs on a chunk-storing thread (batch-chunk-threads.ts).
 */
export async function storeStagedChunk(pool: pg.Pool, identity: IdentityProtection, input: BatchChunkInput): Promise<BatchChunkResult | 'no-such-chunk'> {
  return withTransaction(pool, async (db) => {
    const found = await db.query<{ first_row: number; rows: number; body: Buffer | null; accepted: number; refused: number; duplicates: number }>(
      'SELECT first_row, rows, body, accepted, refused, duplicates FROM intake_chunks WHERE batch_id = $1 AND chunk_no = $2 FOR UPDATE',
      [input.batchId, input.chunkNo],
    );
    const chunk = found.rows[0];
    if (!chunk) return 'no-such-chunk';
    const counts = chunk.body === null ? chunk : await storeRows(db, identity, input, chunk.first_row, chunk.body);
    if (chunk.body !== null) {
      await db.query(
        `UPDATE intake_chunks SET body = NULL, stored_at = now(), accepted = $3, refused = $4, duplicates = $5 WHERE batch_id = $1 AND chunk_no = $2`,
        [input.batchId, input.chunkNo, counts.accepted, counts.refused, counts.duplicates],
      );
    }
    const obligations = await db.query<{ workflow_id: string; record_id: string; late: boolean }>(
      `SELECT o.workflow_id, r.record_id, rec.shared_late AS late
       FROM intake_rows r
       JOIN obligations o ON o.sharer_id = $4 AND o.reference = r.reference AND o.state = 'open'
       JOIN records rec ON rec.id = r.record_id
       WHERE r.batch_id = $1 AND r.row_no BETWEEN $2 AND $3 AND r.outcome = 'accepted'`,
      [input.batchId, chunk.first_row, chunk.first_row + chunk.rows - 1, input.sharerId],
    );
    return {
      accepted: counts.accepted,
      refused: counts.refused,
      duplicates: counts.duplicates,
      closedObligations: obligations.rows.map((row) => ({ workflowId: row.workflow_id, recordId: row.record_id, late: row.late })),
    };
  });
}
