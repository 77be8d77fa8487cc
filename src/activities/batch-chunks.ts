import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { loadCalendar } from '../db/calendar';
import { copyInto, copyText, CopyRows } from '../db/copy';
import { personsOf, standingOf, type IdentityProtection, type PersonRow } from '../db/persons';
import { withTransaction } from '../db/transaction';
import { parseIdentityNumber } from '../domain/identity-number';
import { firstProblem, recordSubmissionSchema, type Category, type RecordSubmission } from '../domain/record';
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

/** An obligation announced earlier whose record arrived in a batch: the batch workflow closes it. */
export interface ClosedObligation {
  workflowId: string;
  recordId: string;
  late: boolean;
}

export interface BatchChunkResult {
  accepted: number;
  refused: number;
  duplicates: number;
  closedObligations: ClosedObligation[];
}

/**
 * A checked row, kept small: a chunk's rows live until it is stored, and what lives long costs
 * the garbage collector most. The record's JSON columns are already in COPY text.
 */
type Row =
  | { refused: true; reference: string | null; field: string; reason: string }
  | {
      refused: false;
      reference: string;
      category: Category;
      typeCode: string;
      formedOn: LocalDate;
      /** details, evidence and attestation as COPY columns. */
      json: string;
      /** Identity information (Art. 9(1)) only: what it says about the person. */
      identityDetails: RecordSubmission['details'] | undefined;
      identityNumber: string;
      birthDate: LocalDate;
      personKey: string;
    };
type GoodRow = Extract<Row, { refused: false }>;

/** A row that passed every check, about to be stored. */
interface Accepted {
  rowNo: number;
  row: GoodRow;
  person: PersonRow;
  recordId: string;
  late: boolean;
}

const RECORD_COLUMNS =
  'id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late, status, version, details, evidence, attestation, changed_by';
const OUTCOME_COLUMNS = 'batch_id, row_no, outcome, field, reason, reference, record_id';
const ALREADY_SHARED = 'a record with this reference was already shared';
const SHARED_EARLIER_IN_BATCH = 'a record with this reference came earlier in this batch';
/** Lines that are no row: the staging (api/bulk-intake.ts) does not count them either. */
const BLANK_LINE = /^[ \t\r]*$/;
/** Attempts at storing a chunk's records while other transactions share some of the same references. */
const STORE_ATTEMPTS = 3;

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
  const attestation = record.attestation ? copyText(JSON.stringify(record.attestation)) : '\\N';
  return {
    refused: false,
    reference: record.reference,
    category: record.category,
    typeCode: record.typeCode,
    formedOn: record.formedOn,
    json: `${copyText(JSON.stringify(record.details))}\t${copyText(JSON.stringify(record.evidence))}\t${attestation}`,
    identityDetails: record.category === 'identity' ? record.details : undefined,
    identityNumber: value,
    birthDate,
    personKey: keyOf(value),
  };
}

/** Art. 10 due times of the formation days in a chunk, from the working-day calendar. */
async function dueTimes(db: pg.PoolClient, kind: SharerKind, formed: Set<LocalDate>): Promise<Map<LocalDate, number>> {
  if (kind !== 'agency' || formed.size === 0) return new Map();
  const years = new Set([...formed].map(yearOf).flatMap((year) => [year, year + 1]));
  const calendar = await loadCalendar(db, [...years]);
  return new Map([...formed].map((day) => [day, deadlineAfter(day, 7, calendar).dueAt.getTime()]));
}

/** The records of these references that the sharer shared before, by reference. */
async function sharedBefore(db: pg.PoolClient, sharerId: string, references: string[]): Promise<Map<string, string>> {
  const found = await db.query<{ reference: string; id: string }>('SELECT reference, id FROM records WHERE sharer_id = $1 AND reference = ANY($2::text[])', [
    sharerId,
    references,
  ]);
  return new Map(found.rows.map((row) => [row.reference, row.id]));
}

function isDuplicateReference(error: unknown): boolean {
  return (error as { code?: string; constraint?: string }).code === '23505' && (error as { constraint?: string }).constraint === 'records_sharer_id_reference_key';
}

/**
 * Stores the records with one COPY, the way a bare load would. A reference rarely was shared
 * before, so nothing is looked up first: when the unique index says one was (or is being, by a
 * concurrent transaction, which COPY waits for), the COPY is undone, the chunk's references are
 * looked up once, and the rest is stored. Returns the rows found shared before, with their records.
 */
async function storeRecords(db: pg.PoolClient, input: BatchChunkInput, accepted: Accepted[]): Promise<Map<number, string>> {
  const sharer = copyText(input.sharerId);
  const sharedAt = copyText(input.sharedAt);
  const source = input.sharerKind === 'provider' ? 'market-provider' : 'public-agency';
  const changedBy = copyText(`record-batch/${input.batchId}`);
  let earlier = new Map<string, string>();
  for (let attempt = 1; ; attempt++) {
    const rows = new CopyRows(accepted.length * 320);
    for (const { row, person, recordId, late } of accepted) {
      if (earlier.has(row.reference)) continue;
      rows.add(
        `${recordId}\t${sharer}\t${copyText(row.reference)}\t${person.id}\t${row.category}\t${row.typeCode}\t${source}\t${row.formedOn}\t` +
          `${sharedAt}\t${late ? 't' : 'f'}\tactive\t1\t${row.json}\t${changedBy}\n`,
      );
    }
    await db.query('SAVEPOINT store_records');
    try {
      if (rows.length > 0) await copyInto(db, 'records', RECORD_COLUMNS, rows);
      await db.query('RELEASE SAVEPOINT store_records');
      const found = new Map<number, string>();
      for (const { rowNo, row } of accepted) if (earlier.has(row.reference)) found.set(rowNo, earlier.get(row.reference)!);
      return found;
    } catch (error) {
      if (!isDuplicateReference(error) || attempt === STORE_ATTEMPTS) throw error;
      await db.query('ROLLBACK TO SAVEPOINT store_records');
      earlier = await sharedBefore(
        db,
        input.sharerId,
        accepted.map((a) => a.row.reference),
      );
    }
  }
}

interface StoredChunk extends BatchChunkResult {
  acceptedRows: number[];
  recordIds: string[];
  personIds: string[];
}

/**
 * Checks a staged chunk's rows and stores the good ones: the row checks, the catalogue, Art. 3
 * scope and references shared before are judged here, set-based, with one indexed lookup for the
 * persons. Refused and duplicate rows get a row of their own in intake_rows; accepted rows, the
 * great majority, are listed on the chunk.
 */
async function storeRows(db: pg.PoolClient, identity: IdentityProtection, input: BatchChunkInput, firstRow: number, body: Buffer): Promise<StoredChunk> {
  const today = shanghaiDayOf(new Date(input.sharedAt));
  // A batch often holds several records of one person: hash each identity number once.
  const keys = new Map<string, string>();
  const keyOf = (identityNumber: string) => {
    let key = keys.get(identityNumber);
    if (key === undefined) {
      key = identity.lookupKey(identityNumber);
      keys.set(identityNumber, key);
    }
    return key;
  };
  const lines = gunzipSync(identity.open(body)).toString('utf8').split('\n').filter((line) => !BLANK_LINE.test(line));
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
    const unfit = typeRefusal(catalogue.get(row.typeCode), row);
    if (unfit) refuse(i, 'typeCode', unfit);
    else identities.set(row.personKey, row);
  });
  const persons = identities.size > 0 ? await personsOf(db, identity, identities) : new Map<string, PersonRow>();
  const due = await dueTimes(db, input.sharerKind, new Set(rows.flatMap((row) => (row.refused ? [] : [row.formedOn]))));
  const sharedAt = Date.parse(input.sharedAt);

  // Art. 3: no records of minors, of people without full civil capacity, or of people known not to live in Jinan.
  // A reference repeated within the chunk is a duplicate of its first row.
  const accepted: Accepted[] = [];
  const inChunk = new Map<string, string>();
  const duplicates = new Map<number, string>();
  // The records' ids draw their randomness at once: one draw per id cost more than the id.
  const randomness = randomBytes(16 * rows.length);
  const scope = new Map<PersonRow, ReturnType<typeof refusesRecords>>();
  rows.forEach((row, i) => {
    if (row.refused) return;
    const person = persons.get(row.personKey)!;
    if (row.category !== 'identity') {
      if (!scope.has(person)) scope.set(person, refusesRecords(standingOf(person), today));
      const outOfScope = scope.get(person);
      if (outOfScope) return refuse(i, 'identityNumber', outOfScope.message);
    }
    const first = inChunk.get(row.reference);
    if (first !== undefined) return void duplicates.set(firstRow + i, first);
    // Time-ordered ids keep the records' primary-key index appends local.
    const recordId = uuidv7({ random: randomness.subarray(16 * i, 16 * i + 16) });
    inChunk.set(row.reference, recordId);
    const dueAt = due.get(row.formedOn);
    accepted.push({ rowNo: firstRow + i, row, person, recordId, late: dueAt !== undefined && sharedAt > dueAt });
  });

  const sharedEarlier = await storeRecords(db, input, accepted);
  const stored = sharedEarlier.size === 0 ? accepted : accepted.filter((a) => !sharedEarlier.has(a.rowNo));
  const facts: IdentityFact[] = stored.flatMap(({ row, person }) =>
    row.identityDetails ? [{ personId: person.id, typeCode: row.typeCode, details: row.identityDetails }] : [],
  );
  await applyIdentityFacts(db, facts);

  const outcomes = new CopyRows(1024);
  let refused = 0;
  rows.forEach((row, i) => {
    const rowNo = firstRow + i;
    const reference = copyText(row.reference);
    if (row.refused) {
      refused += 1;
      outcomes.add(`${input.batchId}\t${rowNo}\trefused\t${copyText(row.field)}\t${copyText(row.reason)}\t${reference}\t\\N\n`);
    } else if (duplicates.has(rowNo)) {
      outcomes.add(`${input.batchId}\t${rowNo}\tduplicate\treference\t${SHARED_EARLIER_IN_BATCH}\t${reference}\t${duplicates.get(rowNo)}\n`);
    } else if (sharedEarlier.has(rowNo)) {
      outcomes.add(`${input.batchId}\t${rowNo}\tduplicate\treference\t${ALREADY_SHARED}\t${reference}\t${sharedEarlier.get(rowNo)}\n`);
    }
  });
  if (outcomes.length > 0) await copyInto(db, 'intake_rows', OUTCOME_COLUMNS, outcomes);

  return {
    accepted: stored.length,
    refused,
    duplicates: duplicates.size + sharedEarlier.size,
    closedObligations: await obligationsClosed(db, input.sharerId, stored),
    acceptedRows: stored.map((a) => a.rowNo),
    recordIds: stored.map((a) => a.recordId),
    personIds: stored.map((a) => a.person.id),
  };
}

/** The open obligations (Art. 10) that the stored records answer: through the index of open ones only. */
async function obligationsClosed(db: pg.PoolClient, sharerId: string, stored: Accepted[]): Promise<ClosedObligation[]> {
  if (stored.length === 0) return [];
  const open = await db.query<{ workflow_id: string; reference: string }>(
    `SELECT workflow_id, reference FROM obligations WHERE sharer_id = $1 AND state = 'open' AND reference = ANY($2::text[])`,
    [sharerId, stored.map((a) => a.row.reference)],
  );
  if (open.rows.length === 0) return [];
  const byReference = new Map(stored.map((a) => [a.row.reference, a]));
  return open.rows.map((row) => {
    const { recordId, late } = byReference.get(row.reference)!;
    return { workflowId: row.workflow_id, recordId, late };
  });
}

/**
 * Checks and stores one staged chunk of a bulk batch (Art. 10) in one transaction that also
 * empties the chunk and keeps its outcome on it, so a retried or resumed chunk never stores a row
 * twice: a chunk already stored only reports again. Runs on a chunk-storing thread (batch-chunk-threads.ts).
 */
export async function storeStagedChunk(pool: pg.Pool, identity: IdentityProtection, input: BatchChunkInput): Promise<BatchChunkResult | 'no-such-chunk'> {
  return withTransaction(pool, async (db) => {
    const found = await db.query<{
      first_row: number; body: Buffer | null; accepted: number; refused: number; duplicates: number; closed_obligations: ClosedObligation[] | null;
    }>(
      'SELECT first_row, body, accepted, refused, duplicates, closed_obligations FROM intake_chunks WHERE batch_id = $1 AND chunk_no = $2 FOR UPDATE',
      [input.batchId, input.chunkNo],
    );
    const chunk = found.rows[0];
    if (!chunk) return 'no-such-chunk';
    if (chunk.body === null) {
      return { accepted: chunk.accepted, refused: chunk.refused, duplicates: chunk.duplicates, closedObligations: chunk.closed_obligations ?? [] };
    }
    const { acceptedRows, recordIds, personIds, ...result } = await storeRows(db, identity, input, chunk.first_row, chunk.body);
    await db.query(
      `UPDATE intake_chunks SET body = NULL, stored_at = now(), accepted = $3, refused = $4, duplicates = $5,
         accepted_rows = $6, record_ids = $7, person_ids = $8, closed_obligations = $9
       WHERE batch_id = $1 AND chunk_no = $2`,
      [
        input.batchId, input.chunkNo, result.accepted, result.refused, result.duplicates,
        acceptedRows, recordIds, personIds, JSON.stringify(result.closedObligations),
      ],
    );
    return result;
  });
}
