import { ApplicationFailure } from '@temporalio/common';
import { gunzipSync } from 'node:zlib';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { loadCalendar } from '../db/calendar';
import { copyInto, copyText } from '../db/copy';
import { personsOf, standingOf, type IdentityProtection, type PersonRow } from '../db/persons';
import { activeModels, scorePersons } from '../db/scoring';
import { withTransaction } from '../db/transaction';
import { parseIdentityNumber, type IdentityNumber } from '../domain/identity-number';
import { firstProblem, recordSubmissionSchema, type RecordSubmission } from '../domain/record';
import { deadlineAfter, shanghaiDayOf, yearOf, type LocalDate } from '../domain/working-days';
import { refusesRecords } from '../domain/scope';
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

export interface BatchSummary {
  rows: number;
  accepted: number;
  refused: number;
  duplicates: number;
}

type CheckedRow =
  | { refused: true; reference: string | null; field: string; reason: string }
  | { refused: false; record: RecordSubmission; identity: IdentityNumber };

type Good = Extract<CheckedRow, { refused: false }> & { key: string };
type Judged = Extract<CheckedRow, { refused: true }> | Good;

/** What can be judged from the row alone: JSON, the record schema (identity number included), who may share it, its date. */
function checkRow(line: string, sharerKind: SharerKind, today: LocalDate): CheckedRow {
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
  return { refused: false, record, identity: id.identity };
}

const RECORD_COLUMNS =
  'id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late, status, version, details, evidence, attestation, changed_by';
const OUTCOME_COLUMNS = 'batch_id, row_no, outcome, field, reason, reference, record_id, person_id';
const ALREADY_SHARED = 'a record with this reference was already shared';

/**
 * Activities of bulk intake (Art. 10). Each staged chunk is checked and stored in one
 * transaction that also empties it, so a retried or resumed chunk never stores a row twice.
 */
export function createRecordBatchActivities({ pool, identity }: { pool: pg.Pool; identity: IdentityProtection }) {
  /** Art. 10 due times of the formation days in a chunk, from the working-day calendar. */
  async function dueTimes(db: pg.PoolClient, kind: SharerKind, formed: Set<LocalDate>): Promise<Map<LocalDate, number>> {
    if (kind !== 'agency' || formed.size === 0) return new Map();
    const years = new Set([...formed].map(yearOf).flatMap((year) => [year, year + 1]));
    const calendar = await loadCalendar(db, [...years]);
    return new Map([...formed].map((day) => [day, deadlineAfter(day, 7, calendar).dueAt.getTime()]));
  }

  /**
   * Checks a staged chunk's rows and stores the good ones with COPY, the way a bare load would:
   * the row checks, the catalogue, Art. 3 scope and references shared before are judged here,
   * with one indexed lookup each for persons and references. A record of the same reference
   * stored concurrently fails the chunk on the unique index; its retry then finds the duplicate.
   */
  async function storeChunk(db: pg.PoolClient, input: BatchChunkInput, firstRow: number, body: Buffer) {
    const today = shanghaiDayOf(new Date(input.sharedAt));
    const lines = gunzipSync(identity.open(body)).toString('utf8').split('\n');
    const rows = lines.map((line) => checkRow(line, input.sharerKind, today));

    const catalogue = new Map(
      (await db.query<{ code: string; category: string }>('SELECT code, category FROM record_types')).rows.map((type) => [type.code, type.category]),
    );
    // A batch often holds several records of one person: hash each identity number once.
    const identities = new Map<string, { hash: Buffer; identity: IdentityNumber }>();
    const keyOf = new Map<string, string>();
    const judged: Judged[] = rows.map((row) => {
      if (row.refused) return row;
      const unfit = typeRefusal(catalogue.get(row.record.typeCode), row.record);
      if (unfit) return { refused: true, reference: row.record.reference, field: 'typeCode', reason: unfit };
      let key = keyOf.get(row.identity.value);
      if (key === undefined) {
        const hash = identity.lookupHash(row.identity.value);
        key = hash.toString('hex');
        keyOf.set(row.identity.value, key);
        identities.set(key, { hash, identity: row.identity });
      }
      return { ...row, key };
    });

    const persons = identities.size > 0 ? await personsOf(db, identity, identities) : new Map<string, PersonRow>();
    // Art. 3: no records of minors, of people without full civil capacity, or of people known not to live in Jinan.
    const judgedInScope = judged.map((row): Judged => {
      if (row.refused || row.record.category === 'identity') return row;
      const outOfScope = refusesRecords(standingOf(persons.get(row.key)!), today);
      return outOfScope ? { refused: true, reference: row.record.reference, field: 'identityNumber', reason: outOfScope.message } : row;
    });
    const candidates = judgedInScope.filter((row): row is Good => !row.refused);
    const shared = new Set(
      candidates.length === 0
        ? []
        : (
            await db.query<{ reference: string }>('SELECT reference FROM records WHERE sharer_id = $1 AND reference = ANY($2::text[])', [
              input.sharerId,
              candidates.map((row) => row.record.reference),
            ])
          ).rows.map((row) => row.reference),
    );
    const formed = new Set(candidates.map((row) => row.record.formedOn));
    const due = await dueTimes(db, input.sharerKind, formed);
    const sharedAt = Date.parse(input.sharedAt);

    const constants = {
      sharer: copyText(input.sharerId),
      source: input.sharerKind === 'provider' ? 'market-provider' : 'public-agency',
      sharedAt: copyText(input.sharedAt),
      changedBy: copyText(`record-batch/${input.batchId}`),
    };
    const counts = { accepted: 0, refused: 0, duplicates: 0 };
    const facts: IdentityFact[] = [];
    let records = '';
    let outcomes = '';
    judgedInScope.forEach((row, i) => {
      const rowNo = firstRow + i;
      if (row.refused) {
        counts.refused += 1;
        outcomes += `${input.batchId}\t${rowNo}\trefused\t${copyText(row.field)}\t${copyText(row.reason)}\t${copyText(row.reference)}\t\\N\t\\N\n`;
        return;
      }
      const person = persons.get(row.key)!;
      const { record } = row;
      const reference = copyText(record.reference);
      if (shared.has(record.reference)) {
        counts.duplicates += 1;
        outcomes += `${input.batchId}\t${rowNo}\tduplicate\treference\t${ALREADY_SHARED}\t${reference}\t\\N\t\\N\n`;
        return;
      }
      shared.add(record.reference);
      counts.accepted += 1;
      // Time-ordered ids keep the records' primary-key index appends local.
      const recordId = uuidv7();
      const dueAt = due.get(record.formedOn);
      const late = dueAt !== undefined && sharedAt > dueAt ? 't' : 'f';
      const attestation = record.attestation ? copyText(JSON.stringify(record.attestation)) : '\\N';
      records +=
        `${recordId}\t${constants.sharer}\t${reference}\t${person.id}\t${record.category}\t${record.typeCode}\t${constants.source}\t` +
        `${record.formedOn}\t${constants.sharedAt}\t${late}\tactive\t1\t${copyText(JSON.stringify(record.details))}\t` +
        `${copyText(JSON.stringify(record.evidence))}\t${attestation}\t${constants.changedBy}\n`;
      outcomes += `${input.batchId}\t${rowNo}\taccepted\t\\N\t\\N\t${reference}\t${recordId}\t${person.id}\n`;
      if (record.category === 'identity') facts.push({ personId: person.id, typeCode: record.typeCode, details: record.details });
    });

    if (records !== '') await copyInto(db, 'records', RECORD_COLUMNS, records);
    await copyInto(db, 'intake_rows', OUTCOME_COLUMNS, outcomes);
    await applyIdentityFacts(db, facts);
    return counts;
  }

  return {
    async storeBatchChunk(input: BatchChunkInput): Promise<BatchChunkResult> {
      return withTransaction(pool, async (db) => {
        const found = await db.query<{ first_row: number; rows: number; body: Buffer | null; accepted: number; refused: number; duplicates: number }>(
          'SELECT first_row, rows, body, accepted, refused, duplicates FROM intake_chunks WHERE batch_id = $1 AND chunk_no = $2 FOR UPDATE',
          [input.batchId, input.chunkNo],
        );
        const chunk = found.rows[0];
        if (!chunk) throw ApplicationFailure.nonRetryable(`batch ${input.batchId} has no chunk ${input.chunkNo}`, 'NoSuchChunk');
        // A chunk already stored (the activity is retried after its commit) only reports again.
        const counts = chunk.body === null ? chunk : await storeChunk(db, input, chunk.first_row, chunk.body);
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
    },

    /** Every row has its outcome: the batch's counts become final. */
    async finishBatch(input: { batchId: string; at: string }): Promise<BatchSummary> {
      const result = await pool.query<BatchSummary>(
        `WITH counts AS (
           SELECT sum(rows)::int AS rows, sum(accepted)::int AS accepted, sum(refused)::int AS refused, sum(duplicates)::int AS duplicates
           FROM intake_chunks WHERE batch_id = $1
         )
         UPDATE intake_batches b SET finished_at = coalesce(b.finished_at, $2), accepted = c.accepted, refused = c.refused, duplicates = c.duplicates
         FROM counts c WHERE b.id = $1
         RETURNING c.rows, c.accepted, c.refused, c.duplicates`,
        [input.batchId, input.at],
      );
      return result.rows[0]!;
    },

    /**
     * Each person with records in the batch hears once, however many arrived, and is rescored
     * once (Art. 6): set-based, rather than one rescore-person workflow each.
     */
    async answerBatchPersons(input: { batchId: string; at: string }): Promise<{ persons: number }> {
      const touched = await pool.query<{ person_id: string }>(
        `WITH touched AS (
           SELECT person_id, count(*) AS records FROM intake_rows WHERE batch_id = $1 AND outcome = 'accepted' GROUP BY person_id
         ), notified AS (
           INSERT INTO notifications (id, recipient_role, recipient_id, kind, workflow_id, body)
           SELECT 'record-batch/' || $1 || '/' || person_id, 'person', person_id, 'records-added', 'record-batch/' || $1,
                  jsonb_build_object('records', records)
           FROM touched ON CONFLICT (id) DO NOTHING
         )
         SELECT person_id FROM touched`,
        [input.batchId],
      );
      const ids = touched.rows.map((row) => row.person_id);
      if (ids.length > 0) {
        await scorePersons(pool, {
          models: await activeModels(pool),
          onDay: shanghaiDayOf(new Date(input.at)),
          computedBy: `record-batch/${input.batchId}`,
          computedAt: input.at,
          persons: { ids },
        });
        // Requests from single shares of these persons are answered by this rescoring too.
        await pool.query('UPDATE rescore_requests SET answered_at = $2 WHERE person_id = ANY($1::uuid[]) AND answered_at IS NULL', [ids, input.at]);
      }
      await pool.query('UPDATE intake_batches SET persons_answered_at = coalesce(persons_answered_at, $2) WHERE id = $1', [input.batchId, input.at]);
      return { persons: ids.length };
    },
  };
}

export type RecordBatchActivities = ReturnType<typeof createRecordBatchActivities>;
