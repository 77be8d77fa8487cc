import type pg from 'pg';
import { loadCalendar } from '../db/calendar';
import { activeModels, scorePersons } from '../db/scoring';
import { withTransaction } from '../db/transaction';
import { deadlineAfter, shanghaiDayOf, yearOf, type LocalDate } from '../domain/working-days';
import type { SharerKind } from './records';

export interface BatchChunkInput {
  batchId: string;
  sharerId: string;
  sharerKind: SharerKind;
  fromRow: number;
  toRow: number;
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

const CHUNK = `r.batch_id = $1 AND r.row_no BETWEEN $2 AND $3`;

/**
 * Activities of bulk intake (Art. 10). Each chunk is one transaction over staged rows that are
 * still `pending`, so a retried or resumed chunk never stores a row twice.
 */
export function createRecordBatchActivities({ pool }: { pool: pg.Pool }) {
  /** Art. 10 due times of the formation days in a chunk, from the working-day calendar. */
  async function dueTimes(db: pg.PoolClient, input: BatchChunkInput): Promise<{ days: LocalDate[]; dueAt: string[] }> {
    if (input.sharerKind !== 'agency') return { days: [], dueAt: [] };
    const formed = await db.query<{ formed_on: LocalDate }>(
      `SELECT DISTINCT formed_on FROM intake_rows r WHERE ${CHUNK} AND r.outcome = 'pending'`,
      [input.batchId, input.fromRow, input.toRow],
    );
    const days = formed.rows.map((row) => row.formed_on);
    if (days.length === 0) return { days, dueAt: [] };
    const years = [...new Set(days.map(yearOf))].flatMap((year) => [year, year + 1]);
    const calendar = await loadCalendar(db, [...new Set(years)]);
    return { days, dueAt: days.map((day) => deadlineAfter(day, 7, calendar).dueAt.toISOString()) };
  }

  return {
    async storeBatchChunk(input: BatchChunkInput): Promise<BatchChunkResult> {
      const params = [input.batchId, input.fromRow, input.toRow];
      return withTransaction(pool, async (db) => {
        const today = shanghaiDayOf(new Date(input.sharedAt));
        await db.query(
          `UPDATE intake_rows r SET outcome = 'refused', field = 'typeCode',
             reason = coalesce((SELECT r.type_code || ' belongs to the category ' || t.category FROM record_types t WHERE t.code = r.type_code),
                               r.type_code || ' is not in the record type catalogue')
           WHERE ${CHUNK} AND r.outcome = 'pending'
             AND NOT EXISTS (SELECT 1 FROM record_types t WHERE t.code = r.type_code AND t.category = r.category)`,
          params,
        );
        // A person first seen in a record is registered with residency unconfirmed (Art. 3).
        await db.query(
          `INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date)
           SELECT gen_random_uuid(), person_key, person_sealed, birth_date
           FROM (SELECT DISTINCT ON (person_key) person_key, person_sealed, birth_date FROM intake_rows r
                 WHERE ${CHUNK} AND r.outcome = 'pending' ORDER BY person_key) fresh
           ON CONFLICT (id_number_hash) DO NOTHING`,
          params,
        );
        // Art. 3: no records of minors, of people known not to live in Jinan, or without full civil capacity.
        await db.query(
          `UPDATE intake_rows r SET outcome = 'refused', field = 'identityNumber', reason = CASE
               WHEN p.birth_date > ($4::date - interval '18 years') THEN 'Art. 3: the person is under 18 on that day'
               WHEN p.civil_capacity IN ('limited', 'none') THEN 'Art. 3: the person does not have full civil capacity'
               ELSE 'Art. 3: the person has neither a local household registration nor a valid residence permit' END
           FROM persons p
           WHERE ${CHUNK} AND r.outcome = 'pending' AND r.category <> 'identity' AND p.id_number_hash = r.person_key
             AND (p.birth_date > ($4::date - interval '18 years')
                  OR p.civil_capacity IN ('limited', 'none')
                  OR p.residency = 'non-local'
                  OR (p.residency = 'residence-permit' AND p.residence_permit_valid_until < $4::date))`,
          [...params, today],
        );
        const due = await dueTimes(db, input);
        // One statement stores the new records and marks every pending row accepted or duplicate.
        const stored = await db.query<{ accepted: number; duplicates: number }>(
          `WITH inserted AS (
             INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late,
               status, version, details, evidence, attestation, changed_by)
             SELECT r.record_id, $4, r.reference, p.id, r.category, r.type_code, $5, r.formed_on, $6::timestamptz,
                    coalesce($6::timestamptz > d.due_at, false), 'active', 1, r.details, r.evidence, r.attestation, $7
             FROM intake_rows r
             JOIN persons p ON p.id_number_hash = r.person_key
             LEFT JOIN unnest($8::date[], $9::timestamptz[]) AS d (formed_on, due_at) ON d.formed_on = r.formed_on
             WHERE ${CHUNK} AND r.outcome = 'pending'
             ORDER BY r.row_no
             ON CONFLICT (sharer_id, reference) DO NOTHING
             RETURNING id
           ), marked AS (
             UPDATE intake_rows r SET
               outcome = CASE WHEN r.record_id IN (SELECT id FROM inserted) THEN 'accepted' ELSE 'duplicate' END,
               field = CASE WHEN r.record_id IN (SELECT id FROM inserted) THEN NULL ELSE 'reference' END,
               reason = CASE WHEN r.record_id IN (SELECT id FROM inserted) THEN NULL ELSE 'a record with this reference was already shared' END
             WHERE ${CHUNK} AND r.outcome = 'pending'
             RETURNING r.outcome
           )
           SELECT count(*) FILTER (WHERE outcome = 'accepted')::int AS accepted, count(*) FILTER (WHERE outcome = 'duplicate')::int AS duplicates
           FROM marked`,
          [
            ...params, input.sharerId, input.sharerKind === 'provider' ? 'market-provider' : 'public-agency', input.sharedAt,
            `record-batch/${input.batchId}`, due.days, due.dueAt,
          ],
        );
        // Identity information (Art. 9(1)) sets what scope depends on.
        await db.query(
          `UPDATE persons p SET
             residency = CASE WHEN r.type_code = 'household-registration' THEN 'household'
                              WHEN r.type_code = 'residence-permit' AND p.residency IS DISTINCT FROM 'household' THEN 'residence-permit'
                              ELSE p.residency END,
             residence_permit_valid_until = CASE WHEN r.type_code = 'residence-permit' AND p.residency IS DISTINCT FROM 'household'
                              THEN (r.details->>'validUntil')::date
                              WHEN r.type_code = 'household-registration' THEN NULL ELSE p.residence_permit_valid_until END,
             civil_capacity = CASE WHEN r.type_code = 'civil-capacity' THEN r.details->>'capacity' ELSE p.civil_capacity END,
             updated_at = now()
           FROM intake_rows r
           WHERE ${CHUNK} AND r.outcome = 'accepted' AND r.category = 'identity' AND p.id_number_hash = r.person_key`,
          params,
        );
        // Each person hears once per chunk, and is rescored once, however many of their records arrived (Art. 6).
        await db.query(
          `WITH touched AS (
             SELECT p.id AS person_id, count(*) AS records FROM intake_rows r JOIN persons p ON p.id_number_hash = r.person_key
             WHERE ${CHUNK} AND r.outcome = 'accepted' GROUP BY p.id
           ), notified AS (
             INSERT INTO notifications (id, recipient_role, recipient_id, kind, workflow_id, body)
             SELECT 'record-batch/' || $1 || '/' || $2 || '/' || person_id, 'person', person_id, 'records-added', 'record-batch/' || $1,
                    jsonb_build_object('records', records)
             FROM touched ON CONFLICT (id) DO NOTHING
           )
           INSERT INTO rescore_requests (id, person_id, reason, requested_by, answered_by)
           SELECT 'record-batch/' || $1 || '/' || $2 || '/' || person_id, person_id, 'records-added', 'record-batch/' || $1,
                  'rescore-person/' || person_id
           FROM touched ON CONFLICT (id) DO NOTHING`,
          [input.batchId, input.fromRow, input.toRow],
        );
        const obligations = await db.query<{ workflow_id: string; record_id: string; late: boolean }>(
          `SELECT o.workflow_id, r.record_id, rec.shared_late AS late
           FROM intake_rows r
           JOIN obligations o ON o.sharer_id = $4 AND o.reference = r.reference AND o.state = 'open'
           JOIN records rec ON rec.id = r.record_id
           WHERE ${CHUNK} AND r.outcome = 'accepted'`,
          [...params, input.sharerId],
        );
        const refused = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM intake_rows r WHERE ${CHUNK} AND r.outcome = 'refused'`, params);
        return {
          accepted: stored.rows[0]!.accepted,
          refused: refused.rows[0]!.n,
          duplicates: stored.rows[0]!.duplicates,
          closedObligations: obligations.rows.map((row) => ({ workflowId: row.workflow_id, recordId: row.record_id, late: row.late })),
        };
      });
    },

    /**
     * Art. 6: the persons whose records arrived in the batch are rescored together, set-based,
     * rather than one rescore-person workflow each.
     */
    async rescoreBatchPersons(input: { batchId: string }): Promise<{ persons: number }> {
      const touched = await pool.query<{ id: string }>(
        `SELECT DISTINCT p.id FROM intake_rows r JOIN persons p ON p.id_number_hash = r.person_key
         WHERE r.batch_id = $1 AND r.outcome = 'accepted'`,
        [input.batchId],
      );
      const ids = touched.rows.map((row) => row.id);
      if (ids.length === 0) return { persons: 0 };
      const now = new Date();
      await scorePersons(pool, {
        models: await activeModels(pool),
        onDay: shanghaiDayOf(now),
        computedBy: `record-batch/${input.batchId}`,
        computedAt: now.toISOString(),
        persons: { ids },
      });
      await pool.query('UPDATE rescore_requests SET answered_at = $2 WHERE person_id = ANY($1::uuid[]) AND answered_at IS NULL', [ids, now]);
      return { persons: ids.length };
    },

    async finishBatch(input: { batchId: string; at: string }): Promise<BatchSummary> {
      const result = await pool.query<BatchSummary>(
        `WITH counts AS (
           SELECT count(*)::int AS rows,
                  count(*) FILTER (WHERE outcome = 'accepted')::int AS accepted,
                  count(*) FILTER (WHERE outcome = 'refused')::int AS refused,
                  count(*) FILTER (WHERE outcome = 'duplicate')::int AS duplicates
           FROM intake_rows WHERE batch_id = $1
         )
         UPDATE intake_batches b SET finished_at = coalesce(b.finished_at, $2), accepted = c.accepted, refused = c.refused, duplicates = c.duplicates
         FROM counts c WHERE b.id = $1
         RETURNING c.rows, c.accepted, c.refused, c.duplicates`,
        [input.batchId, input.at],
      );
      return result.rows[0]!;
    },
  };
}

export type RecordBatchActivities = ReturnType<typeof createRecordBatchActivities>;
