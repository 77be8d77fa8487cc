import type pg from 'pg';
import { enqueueNotifications } from '../../db/notifications';
import { catalogueCounting, recordsToExplain } from '../../db/scores';
import { withTransaction } from '../../db/transaction';
import type { RecordCorrection } from '../../domain/record';
import { modelDefinitionSchema } from '../../domain/score-model';
import { evaluate, type Evaluation } from '../../domain/scoring';
import type { LocalDate } from '../../domain/working-days';
import {
  CORRECTION_REFUSED,
  OBJECTION_OPEN,
  type ObjectionOutcome,
  type ObjectionTarget,
} from '../../workflows/objection/contract';
import { PERSON_NOT_FOUND, RECORD_NOT_FOUND, refusal } from '../../workflows/shared/contract';
import { applyRecordChange } from '../../db/record-store/writes';

export interface FiledObjection {
  objectionId: string;
  workflowId: string;
  personId: string;
  target: ObjectionTarget;
  reason: string;
  evidence: { kind: string; ref: string }[];
  receivedOn: string;
  receivedAt: string;
  filedBy: string;
}

/** Activities of the objection process (Art. 20). Every one is idempotent. */
export function createObjectionActivities({ pool }: { pool: pg.Pool }) {
  return {
    /**
     * Registers the objection and marks the record disputed. Refused, with nothing written: an
     * unknown person, a record that is not theirs, and a second open objection on a record (the
     * message names the open one).
     */
    async fileObjection(input: FiledObjection): Promise<{ sharerId: string | null }> {
      return withTransaction(pool, async (db) => {
        const person = await db.query('SELECT 1 FROM persons WHERE id = $1', [input.personId]);
        if (person.rowCount === 0) throw refusal(PERSON_NOT_FOUND, `No person ${input.personId}`, 'personId');
        const again = await db.query<{ record_id: string | null }>('SELECT record_id FROM objections WHERE id = $1', [input.objectionId]);
        let sharerId: string | null = null;
        if (input.target.kind === 'record') {
          const record = await db.query<{ sharer_id: string; person_id: string; disputed_by: string | null }>(
            'SELECT sharer_id, person_id, disputed_by FROM records WHERE id = $1 FOR UPDATE',
            [input.target.recordId],
          );
          const row = record.rows[0];
          if (!row || row.person_id !== input.personId) throw refusal(RECORD_NOT_FOUND, `No record ${input.target.recordId} of this person`, 'recordId');
          sharerId = row.sharer_id;
          if (!again.rows[0] && row.disputed_by) throw refusal(OBJECTION_OPEN, `The record already has an open objection: ${row.disputed_by}`, 'recordId');
        }
        if (again.rows[0]) return { sharerId };
        await db.query(
          `INSERT INTO objections (id, person_id, record_id, target, reason, evidence, received_on, received_at, filed_by, state, human_review)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10)`,
          [
            input.objectionId, input.personId, input.target.kind === 'record' ? input.target.recordId : null, input.target.kind,
            input.reason, JSON.stringify(input.evidence), input.receivedOn, input.receivedAt, input.filedBy,
            input.target.kind === 'score' && input.target.humanReview === true,
          ],
        );
        if (input.target.kind === 'record') await db.query('UPDATE records SET disputed_by = $2 WHERE id = $1', [input.target.recordId, input.objectionId]);
        return { sharerId };
      });
    },

    async recordObjectionPath(input: { objectionId: string; path: 'in-house' | 'forwarded' }): Promise<void> {
      await pool.query('UPDATE objections SET path = $2 WHERE id = $1', [input.objectionId, input.path]);
    },

    /**
     * The outcome (Art. 20): correct writes a new record version, remove revokes the record (kept
     * for audit), uphold keeps it; the dispute mark is lifted and the applicant told the outcome
     * and its reasons, in one transaction. Returns the person to rescore.
     */
    async decideObjection(input: {
      objectionId: string;
      workflowId: string;
      outcome: ObjectionOutcome;
      reasons: string;
      decidedBy: string;
      correction?: RecordCorrection;
      /** The record corrected, for an objection to the score: one its score counts, as the decision named it. */
      recordId?: string;
      at: string;
    }): Promise<{ personId: string }> {
      return withTransaction(pool, async (db) => {
        const found = await db.query<{ person_id: string; record_id: string | null; state: string }>(
          'SELECT person_id, record_id, state FROM objections WHERE id = $1 FOR UPDATE',
          [input.objectionId],
        );
        const objection = found.rows[0]!;
        if (objection.state !== 'open') return { personId: objection.person_id };
        const correctedId = objection.record_id ?? input.recordId;
        let changed: { recordId: string; typeCode: string; version: number; status: string } | null = null;
        if (correctedId && input.outcome !== 'uphold') {
          const target = await db.query<{ sharer_id: string; reference: string }>('SELECT sharer_id, reference FROM records WHERE id = $1 AND person_id = $2', [
            correctedId,
            objection.person_id,
          ]);
          if (!target.rows[0]) throw refusal(CORRECTION_REFUSED, `no record ${correctedId} of the objecting person`, 'recordId');
          const change = await applyRecordChange(db, {
            workflowId: input.workflowId,
            sharerId: target.rows[0].sharer_id,
            reference: target.rows[0].reference,
            kind: input.outcome === 'remove' ? 'revoke' : 'correct',
            ...(input.outcome === 'correct' ? { correction: input.correction } : {}),
            reason: `Art. 20 objection ${input.objectionId}: ${input.reasons}`,
            changedBy: input.decidedBy,
            at: input.at,
          });
          if (change.status === 'refused') throw refusal(CORRECTION_REFUSED, change.reason, `correction.${change.field}`);
          const typeCode = input.correction?.typeCode ?? (await db.query<{ type_code: string }>('SELECT type_code FROM records WHERE id = $1', [correctedId])).rows[0]!.type_code;
          changed = { recordId: change.recordId, typeCode, version: change.version, status: change.recordStatus };
        }
        if (objection.record_id) await db.query('UPDATE records SET disputed_by = NULL WHERE id = $1 AND disputed_by = $2', [objection.record_id, input.objectionId]);
        await db.query(
          `UPDATE objections SET state = 'decided', outcome = $2, outcome_reasons = $3, decided_by = $4, closed_at = $5, changed = $6 WHERE id = $1`,
          [input.objectionId, input.outcome, input.reasons, input.decidedBy, input.at, changed && JSON.stringify(changed)],
        );
        await enqueueNotifications(db, [
          {
            id: `${input.workflowId}/outcome`,
            recipientRole: 'person',
            recipientId: objection.person_id,
            kind: 'objection-decided',
            workflowId: input.workflowId,
            // PIPL art. 24: the notice says what changed (the record, its type and new version), not only the outcome.
            body: { objectionId: input.objectionId, outcome: input.outcome, reasons: input.reasons, changed },
          },
        ]);
        return { personId: objection.person_id };
      });
    },

    async withdrawObjection(input: { objectionId: string; workflowId: string; at: string }): Promise<void> {
      await withTransaction(pool, async (db) => {
        const updated = await db.query<{ record_id: string | null; person_id: string }>(
          `UPDATE objections SET state = 'withdrawn', closed_at = $2 WHERE id = $1 AND state = 'open' RETURNING record_id, person_id`,
          [input.objectionId, input.at],
        );
        const row = updated.rows[0];
        if (!row) return;
        if (row.record_id) await db.query('UPDATE records SET disputed_by = NULL WHERE id = $1 AND disputed_by = $2', [row.record_id, input.objectionId]);
        await enqueueNotifications(db, [
          { id: `${input.workflowId}/withdrawn`, recipientRole: 'person', recipientId: row.person_id, kind: 'objection-withdrawn', workflowId: input.workflowId, body: { objectionId: input.objectionId } },
        ]);
      });
    },

    /** A person's base score explained, as an NDRC reviewer sees it with an objection to the score (Art. 20, PIPL art. 24). */
    async explainScore(input: { personId: string }): Promise<{ modelId: string; score: number; level: string; onDay: LocalDate; breakdown: Evaluation } | null> {
      const stored = await pool.query<{ model_id: string; score: number; level: string; on_day: LocalDate; definition: unknown }>(
        `SELECT s.model_id, s.score, s.level, s.on_day, m.definition FROM scores s JOIN score_models m ON m.id = s.model_id
         WHERE s.person_id = $1 AND s.scenario = 'base'`,
        [input.personId],
      );
      const row = stored.rows[0];
      if (!row) return null;
      const breakdown = evaluate(modelDefinitionSchema.parse(row.definition), await catalogueCounting(pool), await recordsToExplain(pool, input.personId), row.on_day);
      return { modelId: row.model_id, score: row.score, level: row.level, onDay: row.on_day, breakdown };
    },
  };
}

export type ObjectionActivities = ReturnType<typeof createObjectionActivities>;
