import { gunzipSync } from 'node:zlib';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { plainArray } from '../../db/arrays';
import { loadCalendar } from '../../db/calendar';
import { BinaryCopyRows, copyInto, copyText, CopyRows } from '../../db/copy';
import { NamedPersons, personIdsOf, type IdentityProtection } from '../../db/persons';
import { withTransaction } from '../../db/transaction';
import { acceptedIdentityNumber } from '../../domain/identity-number';
import { loadCatalogue } from '../../db/record-store/catalogue';
import { firstProblem, recordSubmissionRowSchema, unknownSubmissionField, type RecordSubmission, type SharerKind } from '../../domain/record';
import { recordTier, type RecordType } from '../../domain/record-types';
import { shareProblem } from '../../domain/share-checks';
import { describeProblem, inputProblem, storableEcho } from '../../domain/storable-text';
import { plainSubmission } from '../../domain/plain-submission';
import type { IdentityFact } from '../../domain/scope';
import { deadlineAfter, shanghaiDayOf, yearOf, type LocalDate } from '../../domain/working-days';
import { bulkIntakeWorkflowId } from '../../workflows/bulk-intake/contract';
import { applyIdentityFacts } from '../../db/record-store/writes';

export interface ChunkInput {
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

export interface ChunkResult {
  accepted: number;
  refused: number;
  duplicates: number;
  closedObligations: ClosedObligation[];
}

interface RowRefusal {
  reference: string | null;
  field: string;
  reason: string;
}

/**
 * A row that passed the checks of its own, kept small because a chunk's rows live until it is
 * stored, and what lives long costs the garbage collector most: the record's own fields are
 * already COPY data (bytes [start, end) of the chunk's `fields`), and the parsed row is gone.
 */
interface CheckedRow {
  rowNo: number;
  reference: string;
  /** Which of the chunk's named persons (RowContext.personOf) the record is about. */
  person: number;
  formedOn: LocalDate;
  start: number;
  end: number;
  /** Identity information (Art. 9(1)): what it says about the person, and it is taken whatever their scope. */
  identity: { typeCode: string; details: RecordSubmission['details'] } | undefined;
}

/** A checked row about to be stored. */
interface Accepted {
  row: CheckedRow;
  recordId: string;
  personId: string;
  late: boolean;
}

/**
 * The records' columns as the chunk writes them: what is known once the person is, then what is
 * the same for the whole chunk, then each row's own fields, written while the row is checked.
 */
const COPY_COLUMN_COUNT = 17;
const COPY_COLUMNS =
  'id, person_id, shared_late, sharer_id, source, shared_at, status, version, changed_by, reference, category, type_code, tier, formed_on, details, evidence, attestation';
const OUTCOME_COLUMNS = 'batch_id, row_no, outcome, field, reason, reference, record_id';
const ALREADY_SHARED = 'a record with this reference was already shared';
const SHARED_EARLIER_IN_BATCH = 'a record with this reference came earlier in this batch';
/** Lines that are no row: the staging (src/api/bulk-intake/staging.ts) does not count them either. */
const BLANK_LINE = /^[ \t\r]*$/;
/** Attempts at storing a chunk's records while other transactions share some of the same references. */
const STORE_ATTEMPTS = 3;

/** What a chunk's rows are checked against (the day, the sharer, the catalogue), and where a good row's person and record fields go. */
interface RowContext {
  sharerKind: SharerKind;
  today: LocalDate;
  /**
   * The last formation day the plain check takes: the batch's day, and no later than the day the
   * chunk began, so that the schema, which asks for today's date each time, would take it too.
   */
  plainlyPast: LocalDate;
  catalogue: Map<string, RecordType>;
  /** The person an identity number names, as an index into the chunk's named persons. */
  personOf: (identityNumber: string, birthDate: LocalDate) => number;
  /** Each row's own columns of the records' COPY rows. */
  fields: BinaryCopyRows;
}

/**
 * A row as the schema takes it, after the storable-text walk and the unknown fields; or why not,
 * with the reference it claims, made echoable.
 */
function schemaChecked(raw: unknown): RecordSubmission | RowRefusal {
  const claimed = (raw as { reference?: unknown } | null)?.reference;
  const reference = typeof claimed === 'string' ? storableEcho(claimed.slice(0, 100)) : null;
  // The edge refuses such rows; a chunk staged without that check (or by an older release) is checked again here.
  const unstorable = inputProblem(raw, 1);
  if (unstorable) return { reference, field: unstorable.path.map(String).map(storableEcho).join('.') || 'row', reason: describeProblem(unstorable.problem) };
  const unknown = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? unknownSubmissionField(raw) : undefined;
  if (unknown !== undefined) return { reference, field: unknown, reason: 'is not a field of a record' };
  const parsed = recordSubmissionRowSchema.safeParse(raw);
  if (!parsed.success) {
    const problem = firstProblem(parsed.error);
    return { reference, field: problem.field, reason: problem.message };
  }
  return parsed.data;
}

/**
 * What can be judged from the row alone: JSON, the record schema (identity number included), who
 * may share it, the catalogue, its date. A good row's own fields go into the records' COPY rows at once.
 */
function checkRow(line: string, rowNo: number, context: RowContext): CheckedRow | RowRefusal {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { reference: null, field: 'row', reason: 'the line is not valid JSON' };
  }
  // Unstorable text (a NUL, a lone surrogate) only comes from a JSON escape, and a plainly good row
  // is never deep: a row with no escape needs no storable-text walk if it is plainly good.
  const plain = line.includes('\\u') ? undefined : plainSubmission(raw, context.plainlyPast);
  const record = plain ?? schemaChecked(raw);
  if ('field' in record) return record;
  const reference = record.reference;
  if (record.formedOn > context.today) return { reference, field: 'formedOn', reason: 'must not be in the future' };
  // The schema has checked the identity number.
  const person = acceptedIdentityNumber(record.identityNumber);
  const problem = shareProblem(context.catalogue, context.sharerKind, record, person.birthDate);
  if (problem) return { reference, field: problem.field, reason: problem.message };
  const tier = recordTier(context.catalogue.get(record.typeCode)!, record);

  const fields = context.fields;
  const start = fields.length;
  fields.text(record.reference);
  fields.text(record.category);
  fields.text(record.typeCode);
  if (tier === null) fields.null();
  else fields.text(tier);
  fields.date(record.formedOn);
  fields.jsonb(JSON.stringify(record.details));
  fields.jsonb(JSON.stringify(record.evidence));
  if (record.attestation) fields.jsonb(JSON.stringify(record.attestation));
  else fields.null();
  return {
    rowNo,
    reference: record.reference,
    person: context.personOf(person.value, person.birthDate),
    formedOn: record.formedOn,
    start,
    end: fields.length,
    identity: record.category === 'identity' ? { typeCode: record.typeCode, details: record.details } : undefined,
  };
}

/**
 * The ids of a chunk's records: one UUIDv7 for the chunk, its last 32 bits counting the records
 * (a dedicated counter, RFC 9562 6.2), so ids are time-ordered, which keeps the primary-key index
 * appends local, and cost a string each instead of a generated UUID. Two chunks drawing the same
 * 42 random bits in the same millisecond would collide on the primary key: the chunk fails and is
 * retried with other ids, never mixed with another's records.
 */
function recordIds(): (n: number) => string {
  const base = uuidv7().slice(0, 28);
  return (n) => base + n.toString(16).padStart(8, '0');
}

/** Art. 10 due times of the formation days in a chunk, from the working-day calendar. */
async function dueTimes(db: pg.PoolClient, kind: SharerKind, formed: Set<LocalDate>): Promise<Map<LocalDate, number>> {
  if (kind !== 'agency' || formed.size === 0) return new Map();
  const years = new Set([...formed].map(yearOf).flatMap((year) => [year, year + 1]));
  const calendar = await loadCalendar(db, [...years]);
  return new Map([...formed].map((day) => [day, deadlineAfter(day, 7, calendar).dueAt.getTime()]));
}

/** The records of these references that the sharer shared before, by reference. */
async function recordsUnderReferences(db: pg.PoolClient, sharerId: string, references: string[]): Promise<Map<string, string>> {
  const found = await db.query<{ reference: string; id: string }>('SELECT reference, id FROM records WHERE sharer_id = $1 AND reference = ANY($2::text[])', [
    sharerId,
    references,
  ]);
  return new Map(found.rows.map((row) => [row.reference, row.id]));
}

function isDuplicateReference(error: unknown): boolean {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23505' && constraint === 'records_sharer_id_reference_key';
}

/**
 * Postgres refuses the row for good: a data exception (class 22) or an integrity violation
 * (class 23) other than a reference shared twice, which a concurrent writer causes.
 */
function isUnstorable(error: unknown): boolean {
  const { code } = error as { code?: unknown };
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23')) && !isDuplicateReference(error);
}

/** Why Postgres refused a row, naming the SQLSTATE and the constraint, never the data (a data exception's message can quote it). */
function unstorableReason(error: unknown): string {
  const { code, constraint } = error as { code: string; constraint?: unknown };
  return `Postgres refused the row for good (SQLSTATE ${code}${typeof constraint === 'string' ? `, constraint ${constraint}` : ''})`;
}

/**
 * Stores the records with one COPY, the way a bare load would. A reference rarely was shared
 * before, so nothing is looked up first: when the unique index says one was (or is being, by a
 * concurrent transaction, which COPY waits for), the COPY is undone, the chunk's references are
 * looked up once, and the rest is stored. A row Postgres refuses for good, which the row checks
 * should have refused, is found by halving the rows until it stands alone, and refused; the rest
 * is stored. Returns the records shared before, by reference, and the rows refused, by row.
 */
async function storeRecords(
  db: pg.PoolClient,
  input: ChunkInput,
  accepted: Accepted[],
  fields: BinaryCopyRows,
): Promise<{ earlier: Map<string, string>; unstorable: Map<number, string> }> {
  const sameForChunk = new BinaryCopyRows(256, { header: false });
  sameForChunk.text(input.sharerId);
  sameForChunk.text(input.sharerKind === 'provider' ? 'market-provider' : 'public-agency');
  sameForChunk.timestamptz(new Date(input.sharedAt));
  sameForChunk.text('active');
  sameForChunk.int4(1);
  sameForChunk.text(bulkIntakeWorkflowId(input.batchId));
  const copy = (part: Accepted[]) => {
    const rows = new BinaryCopyRows(fields.length + part.length * (64 + sameForChunk.length), { header: true });
    for (const { row, recordId, personId, late } of part) {
      rows.row(COPY_COLUMN_COUNT);
      rows.uuid(recordId);
      rows.uuid(personId);
      rows.boolean(late);
      rows.addFrom(sameForChunk, 0, sameForChunk.length);
      rows.addFrom(fields, row.start, row.end);
    }
    rows.end();
    return copyInto(db, 'records', COPY_COLUMNS, rows);
  };
  let earlier = new Map<string, string>();
  const unstorable = new Map<number, string>();
  for (let attempt = 1; ; ) {
    const part = accepted.filter((a) => !earlier.has(a.row.reference) && !unstorable.has(a.row.rowNo));
    await db.query('SAVEPOINT store_records');
    try {
      if (part.length > 0) await copy(part);
      await db.query('RELEASE SAVEPOINT store_records');
      return { earlier, unstorable };
    } catch (error) {
      await db.query('ROLLBACK TO SAVEPOINT store_records');
      if (isUnstorable(error)) {
        const found = await refusedRows(db, part, copy);
        if (found.size === 0) throw error;
        for (const [rowNo, reason] of found) unstorable.set(rowNo, reason);
        continue;
      }
      if (!isDuplicateReference(error) || attempt === STORE_ATTEMPTS) throw error;
      attempt += 1;
      earlier = await recordsUnderReferences(
        db,
        input.sharerId,
        accepted.map((a) => a.row.reference),
      );
    }
  }
}

/** The rows Postgres refuses for good, found by COPYing halves in savepoints that are always rolled back. */
async function refusedRows(db: pg.PoolClient, rows: Accepted[], copy: (part: Accepted[]) => Promise<unknown>): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  const probe = async (part: Accepted[]): Promise<void> => {
    await db.query('SAVEPOINT probe_rows');
    const refusal = await copy(part).then(
      () => undefined,
      (error: unknown) => error,
    );
    await db.query('ROLLBACK TO SAVEPOINT probe_rows');
    if (refusal === undefined || !isUnstorable(refusal)) return;
    if (part.length === 1) {
      found.set(part[0]!.row.rowNo, unstorableReason(refusal));
      return;
    }
    const half = Math.ceil(part.length / 2);
    await probe(part.slice(0, half));
    await probe(part.slice(half));
  };
  await probe(rows);
  return found;
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

interface StoredChunk extends ChunkResult {
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
async function storeRows(db: pg.PoolClient, identity: IdentityProtection, input: ChunkInput, firstRow: number, body: Buffer): Promise<StoredChunk> {
  const today = shanghaiDayOf(new Date(input.sharedAt));
  const catalogue = await loadCatalogue(db);
  // A batch often holds several records of one person: each is named, and their identity number
  // hashed, once; rows and persons meet by index, not by their keys.
  const named = new NamedPersons(identity);
  const begun = shanghaiDayOf(new Date());
  const context: RowContext = {
    sharerKind: input.sharerKind,
    today,
    plainlyPast: begun < today ? begun : today,
    catalogue,
    fields: new BinaryCopyRows(body.length * 2, { header: false }),
    personOf: (identityNumber, birthDate) => named.slotOf(identityNumber, birthDate),
  };
  const refusals = new Map<number, RowRefusal>();
  const checked: CheckedRow[] = [];
  const formed = new Set<LocalDate>();
  const lines = gunzipSync(identity.open(body)).toString('utf8').split('\n');
  let rowNo = firstRow;
  for (const line of lines) {
    if (BLANK_LINE.test(line)) continue;
    const row = checkRow(line, rowNo, context);
    if ('rowNo' in row) {
      checked.push(row);
      formed.add(row.formedOn);
    } else refusals.set(rowNo, row);
    rowNo += 1;
  }

  const personIds = await personIdsOf(db, identity, named);
  const due = await dueTimes(db, input.sharerKind, formed);
  const sharedAt = Date.parse(input.sharedAt);
  const accepted: Accepted[] = [];
  const duplicates = new Map<number, { reference: string; recordId: string; reason: string }>();
  // A reference repeated within the chunk is a duplicate of its first row.
  const references = new Set<string>();
  const repeats: CheckedRow[] = [];
  for (const row of checked) {
    const referencesBefore = references.size;
    if (references.add(row.reference).size === referencesBefore) {
      repeats.push(row);
      continue;
    }
    const dueAt = due.get(row.formedOn);
    accepted.push({ row, recordId: '', personId: personIds[row.person]!, late: dueAt !== undefined && sharedAt > dueAt });
  }
  // In the order of their persons, the records' entries go into the person index page after page
  // instead of all over it (a tenth of the COPY's time on a million records); their ids follow
  // that order, so the primary key's entries are appended.
  accepted.sort((a, b) => (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0));
  const recordIdOf = recordIds();
  for (const [i, a] of accepted.entries()) a.recordId = recordIdOf(i);
  if (repeats.length > 0) {
    const firstOfReference = new Map(accepted.map((a) => [a.row.reference, a.recordId]));
    for (const row of repeats) {
      duplicates.set(row.rowNo, { reference: row.reference, recordId: firstOfReference.get(row.reference)!, reason: SHARED_EARLIER_IN_BATCH });
    }
  }

  const { earlier, unstorable } = await storeRecords(db, input, accepted, context.fields);
  const stored: Accepted[] = [];
  for (const a of accepted) {
    const recordId = earlier.get(a.row.reference);
    const refused = unstorable.get(a.row.rowNo);
    if (refused !== undefined) refusals.set(a.row.rowNo, { reference: a.row.reference, field: 'row', reason: refused });
    else if (recordId === undefined) stored.push(a);
    else duplicates.set(a.row.rowNo, { reference: a.row.reference, recordId, reason: ALREADY_SHARED });
  }
  // A repeat of a reference shared before the batch is a duplicate of that record too; a repeat
  // of a row Postgres refused is refused with it.
  const refusedRecords = new Map(accepted.filter((a) => unstorable.has(a.row.rowNo)).map((a) => [a.recordId, unstorable.get(a.row.rowNo)!]));
  for (const [rowNo, duplicate] of duplicates) {
    const recordId = earlier.get(duplicate.reference);
    if (recordId !== undefined) Object.assign(duplicate, { recordId, reason: ALREADY_SHARED });
    const refused = refusedRecords.get(duplicate.recordId);
    if (refused !== undefined) {
      duplicates.delete(rowNo);
      refusals.set(rowNo, { reference: duplicate.reference, field: 'row', reason: refused });
    }
  }
  const facts: IdentityFact[] = [];
  for (const { row, personId } of stored) if (row.identity) facts.push({ personId, ...row.identity });
  await applyIdentityFacts(db, facts);

  const outcomes = new CopyRows(1024);
  for (const [rowNo, { reference, field, reason }] of refusals) {
    outcomes.add(`${input.batchId}\t${rowNo}\trefused\t${copyText(field)}\t${copyText(reason)}\t${copyText(reference)}\t\\N\n`);
  }
  for (const [rowNo, { reference, recordId, reason }] of duplicates) {
    outcomes.add(`${input.batchId}\t${rowNo}\tduplicate\treference\t${reason}\t${copyText(reference)}\t${recordId}\n`);
  }
  if (outcomes.length > 0) await copyInto(db, 'intake_rows', OUTCOME_COLUMNS, outcomes);

  return {
    accepted: stored.length,
    refused: refusals.size,
    duplicates: duplicates.size,
    closedObligations: await obligationsClosed(db, input.sharerId, stored),
    acceptedRows: stored.map((a) => a.row.rowNo),
    recordIds: stored.map((a) => a.recordId),
    personIds: stored.map((a) => a.personId),
  };
}

/**
 * Checks and stores one staged chunk of a bulk batch (Art. 10) in one transaction that also
 * empties the chunk and keeps its outcome on it, so a retried or resumed chunk never stores a row
 * twice: a chunk already stored only reports again. Runs on a chunk-storing thread (chunk-threads.ts).
 */
export async function storeStagedChunk(pool: pg.Pool, identity: IdentityProtection, input: ChunkInput): Promise<ChunkResult | 'no-such-chunk'> {
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
        plainArray(acceptedRows), plainArray(recordIds), plainArray(personIds), JSON.stringify(result.closedObligations),
      ],
    );
    return result;
  });
}
