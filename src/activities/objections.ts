import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { enqueueNotifications } from '../db/notifications';
import { withTransaction } from '../db/transaction';
import type { RecordCorrection } from '../domain/record';
import { applyRecordChange } from './records';

export type ObjectionTarget = { kind: 'record'; recordId: string } | { kind: 'score' };
export type ObjectionOutcome = 'uphold' | 'correct' | 'remove';

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
     * Registers the objection and marks the record disputed. A second open objection on the same
     * record is refused with the open one's id.
     */
    async fileObjection(input: FiledObjection): Promise<{ sharerId: string | null; openObjectionId?: string }> {
      return withTransaction(pool, async (db) => {
        const again = await db.query<{ record_id: string | null }>('SELECT record_id FROM objections WHERE id = $1', [input.objectionId]);
        let sharerId: string | null = null;
        if (input.target.kind === 'record') {
          const record = await db.query<{ sharer_id: string; person_id: string; disputed_by: string | null }>(
            'SELECT sharer_id, person_id, disputed_by FROM records WHERE id = $1 FOR UPDATE',
            [input.target.recordId],
          );
          const row = record.rows[0];
          if (!row || row.person_id !== input.personId) throw ApplicationFailure.nonRetryable('The record is not one of the applicant\'s', 'RecordNotFound');
          sharerId = row.sharer_id;
          if (!again.rows[0] && row.disputed_by) return { sharerId, openObjectionId: row.disputed_by };
        }
        if (again.rows[0]) return { sharerId };
        await db.query(
          `INSERT INTO objections (id, person_id, record_id, target, reason, evidence, received_on, received_at, filed_by, state)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open')`,
          [
            input.objectionId, input.personId, input.target.kind === 'record' ? input.target.recordId : null, input.target.kind,
            input.reason, JSON.stringify(input.evidence), input.receivedOn, input.receivedAt, input.filedBy,
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
      at: string;
    }): Promise<{ personId: string }> {
      return withTransaction(pool, async (db) => {
        const found = await db.query<{ person_id: string; record_id: string | null; state: string; sharer_id: string | null; reference: string | null }>(
          `SELECT o.person_id, o.record_id, o.state, r.sharer_id, r.reference FROM objections o LEFT JOIN records r ON r.id = o.record_id
           WHERE o.id = $1 FOR UPDATE OF o`,
          [input.objectionId],
        );
        const objection = found.rows[0]!;
        if (objection.state !== 'open') return { personId: objection.person_id };
        if (objection.record_id && input.outcome !== 'uphold') {
          const changed = await applyRecordChange(db, {
            changeId: input.workflowId,
            workflowId: input.workflowId,
            sharerId: objection.sharer_id!,
            reference: objection.reference!,
            kind: input.outcome === 'remove' ? 'revoke' : 'correct',
            ...(input.outcome === 'correct' ? { correction: input.correction } : {}),
            reason: `Art. 20 objection ${input.objectionId}: ${input.reasons}`,
            changedBy: input.decidedBy,
            at: input.at,
          });
          if (changed.status === 'refused') throw ApplicationFailure.nonRetryable(changed.reason, 'CorrectionRefused');
        }
        if (objection.record_id) await db.query('UPDATE records SET disputed_by = NULL WHERE id = $1 AND disputed_by = $2', [objection.record_id, input.objectionId]);
        await db.query(
          `UPDATE objections SET state = 'decided', outcome = $2, outcome_reasons = $3, decided_by = $4, closed_at = $5 WHERE id = $1`,
          [input.objectionId, input.outcome, input.reasons, input.decidedBy, input.at],
        );
        await enqueueNotifications(db, [
          {
            id: `${input.workflowId}/outcome`,
            recipientRole: 'person',
            recipientId: objection.person_id,
            kind: 'objection-decided',
            workflowId: input.workflowId,
            body: { objectionId: input.objectionId, outcome: input.outcome, reasons: input.reasons },
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
  };
}

export type ObjectionActivities = ReturnType<typeof createObjectionActivities>;
