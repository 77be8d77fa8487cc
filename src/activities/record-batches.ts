import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { loadCalendar } from '../db/calendar';
import { copyBytea, copyInto, copyText } from '../db/copy';
import type { IdentityProtection } from '../db/persons';
import { activeModels, scorePersons } from '../db/scoring';
import { withTransaction } from '../db/transaction';
import { parseIdentityNumber, type IdentityNumber } from '../domain/identity-number';
import { firstProblem, recordSubmissionSchema, type RecordSubmission } from '../domain/record';
import { deadlineAfter, shanghaiDayOf, yearOf, type LocalDate } from '../domain/working-days';
import { sharingRefusal, type SharerKind } from './records';

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

const CHUNK_COLUMNS =
  'row_no, reference, refused_field, refused_reason, person_key, category, type_code, formed_on, details, evidence, attestation, record_id';

/**
 * Activities of bulk intake (Art. 10). Each staged chunk is checked and stored in one
 * transaction that also empties it, so a retried or resumed chunk never stores a row twice.
 */
export function createRecordBatchActivities({ pool, identity }: { pool: pg.Pool; identity: IdentityProtection }) {
  /** Art. 10 due times of the formation days in a chunk, from the working-day calendar. */
  async function dueTimes(db: pg.PoolClient, kind: SharerKind, formed: Set<LocalDate>): Promise<{ days: LocalDate[]; dueAt: string[] }> {
    const days = [...formed];
    if (kind !== 'agency' || days.length === 0) return { days: [], dueAt: [] };
    const years = new Set(days.map(yearOf).flatMap((year) => [year, year + 1]));
    const calendar = await loadCalendar(db, [...years]);
    return { days, dueAt: days.map((day) => deadlineAfter(day, 7, calendar).dueAt.toISOString()) };
  }

  /** Registers, with residency unconfirmed (Art. 3), the persons first seen in this chunk's rows. */
  async function registerNewPersons(db: pg.PoolClient, identities: Map<string, IdentityNumber>): Promise<void> {
    const fresh = await db.query<{ person_key: Buffer }>(
      `SELECT DISTINCT c.person_key FROM chunk_rows c
       JOIN record_types t ON t.code = c.type_code AND t.category = c.category
       WHERE c.refused_field IS NULL AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.id_number_hash = c.person_key)`,
    );
    if (fresh.rows.length === 0) return;
    const persons = fresh.rows.map((row) => ({ key: row.person_key, identity: identities.get(row.person_key.toString('hex'))! }));
    // In key order, so that two chunks registering the same persons cannot deadlock.
    await db.query(
      `INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date)
       SELECT gen_random_uuid(), key, sealed, birth_date FROM unnest($1::bytea[], $2::bytea[], $3::date[]) AS fresh (key, sealed, birth_date)
       ORDER BY key ON CONFLICT (id_number_hash) DO NOTHING`,
      [persons.map((p) => p.key), persons.map((p) => identity.encrypt(p.identity.value)), persons.map((p) => p.identity.birthDate)],
    );
  }

  /** Checks a staged chunk's rows, stores the good ones and writes every row's outcome. */
  async function storeChunk(db: pg.PoolClient, input: BatchChunkInput, firstRow: number, body: Buffer) {
    const today = shanghaiDayOf(new Date(input.sharedAt));
    const lines = identity.open(body).toString('utf8').split('\n');
    // A batch often holds several records of one person: hash each identity number once.
    const identities = new Map<string, IdentityNumber>();
    const keys = new Map<string, string>();
    const formed = new Set<LocalDate>();
    let hasIdentityRecords = false;
    let copy = '';
    lines.forEach((line, i) => {
      const rowNo = firstRow + i;
      const row = checkRow(line, input.sharerKind, today);
      if (row.refused) {
        copy += `${rowNo}\t${copyText(row.reference)}\t${copyText(row.field)}\t${copyText(row.reason)}\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n`;
        return;
      }
      const { record } = row;
      let key = keys.get(row.identity.value);
      if (key === undefined) {
        const hash = identity.lookupHash(row.identity.value);
        identities.set(hash.toString('hex'), row.identity);
        key = copyBytea(hash);
        keys.set(row.identity.value, key);
      }
      formed.add(record.formedOn);
      if (record.category === 'identity') hasIdentityRecords = true;
      copy += [
        rowNo, copyText(record.reference), '\\N', '\\N', key, record.category, record.typeCode, record.formedOn,
        copyText(JSON.stringify(record.details)), copyText(JSON.stringify(record.evidence)),
        record.attestation ? copyText(JSON.stringify(record.attestation)) : '\\N',
        // Time-ordered ids keep the records' primary-key index appends local.
        uuidv7(),
      ].join('\t') + '\n';
    });

    await db.query(
      `CREATE TEMP TABLE chunk_rows (
         row_no integer, reference text, refused_field text, refused_reason text, person_key bytea, category text, type_code text,
         formed_on date, details jsonb, evidence jsonb, attestation jsonb, record_id uuid) ON COMMIT DROP`,
    );
    await copyInto(db, 'chunk_rows', CHUNK_COLUMNS, copy);
    await registerNewPersons(db, identities);
    const due = await dueTimes(db, input.sharerKind, formed);
    // One statement judges what needs the database (the type catalogue, Art. 3 scope, references
    // already shared), stores the new records, and writes every row's outcome: accepted, refused
    // with field and reason, or duplicate. A plain INSERT costs a third less than ON CONFLICT; a
    // record of the same reference stored concurrently fails the chunk on the unique index, and
    // its retry then finds the duplicate.
    const stored = await db.query<{ accepted: number; refused: number; duplicates: number }>(
      `WITH candidates AS (
         SELECT c.row_no, c.reference, c.record_id, p.id AS person_id, c.category, c.type_code, c.formed_on, c.details, c.evidence, c.attestation,
           CASE WHEN c.refused_field IS NOT NULL THEN c.refused_field
                WHEN t.code IS NULL THEN 'typeCode'
                WHEN c.category <> 'identity' AND (p.birth_date > ($2::date - interval '18 years') OR p.civil_capacity IN ('limited', 'none')
                     OR p.residency = 'non-local' OR (p.residency = 'residence-permit' AND p.residence_permit_valid_until < $2::date))
                  THEN 'identityNumber' END AS field,
           CASE WHEN c.refused_field IS NOT NULL THEN c.refused_reason
                WHEN t.code IS NULL THEN coalesce((SELECT c.type_code || ' belongs to the category ' || k.category FROM record_types k WHERE k.code = c.type_code),
                                                  c.type_code || ' is not in the record type catalogue')
                WHEN c.category = 'identity' THEN NULL
                -- Art. 3: no records of minors, of people without full civil capacity, or of people known not to live in Jinan.
                WHEN p.birth_date > ($2::date - interval '18 years') THEN 'Art. 3: the person is under 18 on that day'
                WHEN p.civil_capacity IN ('limited', 'none') THEN 'Art. 3: the person does not have full civil capacity'
                WHEN p.residency = 'non-local' OR (p.residency = 'residence-permit' AND p.residence_permit_valid_until < $2::date)
                  THEN 'Art. 3: the person has neither a local household registration nor a valid residence permit' END AS reason
         FROM chunk_rows c
         LEFT JOIN record_types t ON t.code = c.type_code AND t.category = c.category
         LEFT JOIN persons p ON p.id_number_hash = c.person_key
       ), judged AS (
         -- New: good, not shared before, and the first good row of its reference in the chunk.
         SELECT c.*, c.field IS NULL
                AND NOT EXISTS (SELECT 1 FROM records r WHERE r.sharer_id = $3 AND r.reference = c.reference)
                AND row_number() OVER (PARTITION BY c.field IS NULL, c.reference ORDER BY c.row_no) = 1 AS new
         FROM candidates c
       ), inserted AS (
         INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late,
           status, version, details, evidence, attestation, changed_by)
         SELECT c.record_id, $3, c.reference, c.person_id, c.category, c.type_code, $4, c.formed_on, $5::timestamptz,
                coalesce($5::timestamptz > d.due_at, false), 'active', 1, c.details, c.evidence, c.attestation, 'record-batch/' || $1::text
         FROM judged c
         LEFT JOIN unnest($6::date[], $7::timestamptz[]) AS d (formed_on, due_at) ON d.formed_on = c.formed_on
         WHERE c.new
         ORDER BY c.row_no
       ), outcomes AS (
         INSERT INTO intake_rows (batch_id, row_no, outcome, field, reason, reference, record_id, person_id)
         SELECT $1::uuid, c.row_no,
                CASE WHEN c.field IS NOT NULL THEN 'refused' WHEN c.new THEN 'accepted' ELSE 'duplicate' END,
                CASE WHEN c.field IS NOT NULL THEN c.field WHEN NOT c.new THEN 'reference' END,
                CASE WHEN c.field IS NOT NULL THEN c.reason WHEN NOT c.new THEN 'a record with this reference was already shared' END,
                c.reference, CASE WHEN c.new THEN c.record_id END, CASE WHEN c.new THEN c.person_id END
         FROM judged c
         ORDER BY c.row_no
         RETURNING outcome
       )
       SELECT count(*) FILTER (WHERE outcome = 'accepted')::int AS accepted,
              count(*) FILTER (WHERE outcome = 'refused')::int AS refused,
              count(*) FILTER (WHERE outcome = 'duplicate')::int AS duplicates
       FROM outcomes`,
      [
        input.batchId, today, input.sharerId, input.sharerKind === 'provider' ? 'market-provider' : 'public-agency', input.sharedAt,
        due.days, due.dueAt,
      ],
    );
    // Identity information (Art. 9(1)) sets what scope depends on.
    if (hasIdentityRecords) {
      await db.query(
        `UPDATE persons p SET
           residency = CASE WHEN c.type_code = 'household-registration' THEN 'household'
                            WHEN c.type_code = 'residence-permit' AND p.residency IS DISTINCT FROM 'household' THEN 'residence-permit'
                            ELSE p.residency END,
           residence_permit_valid_until = CASE WHEN c.type_code = 'residence-permit' AND p.residency IS DISTINCT FROM 'household'
                            THEN (c.details->>'validUntil')::date
                            WHEN c.type_code = 'household-registration' THEN NULL ELSE p.residence_permit_valid_until END,
           civil_capacity = CASE WHEN c.type_code = 'civil-capacity' THEN c.details->>'capacity' ELSE p.civil_capacity END,
           updated_at = now()
         FROM chunk_rows c JOIN intake_rows r ON r.batch_id = $1 AND r.row_no = c.row_no AND r.outcome = 'accepted'
         WHERE c.category = 'identity' AND p.id_number_hash = c.person_key`,
        [input.batchId],
      );
    }
    return stored.rows[0]!;
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
