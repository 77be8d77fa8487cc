import type pg from 'pg';
import { withTransaction } from '../../db/transaction';

/** A workflow that failed for good, as it says so before it ends. */
export interface ProcessFailure {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** The failure's message: SQLSTATEs and rules, never data. */
  reason: string;
  at: string;
}

/**
 * Activities of "processes in trouble are visible" (DESIGN.md): a failed process's clocks stop
 * as failed (neither open nor breached), its open tasks are cancelled so no reviewer is asked
 * for a decision nobody can take, a failed objection's record is no longer disputed, and the
 * failure is kept with its reason.
 */
export function createProcessFailureActivities({ pool }: { pool: pg.Pool }) {
  return {
    async recordProcessFailure(failure: ProcessFailure): Promise<void> {
      await withTransaction(pool, async (db) => {
        const recorded = await db.query(
          `INSERT INTO process_failures (workflow_id, run_id, workflow_type, reason, failed_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
          [failure.workflowId, failure.runId, failure.workflowType, failure.reason, failure.at],
        );
        if (recorded.rowCount === 0) return;
        await db.query(`UPDATE sla_stages SET state = 'failed' WHERE workflow_id = $1 AND finished_at IS NULL`, [failure.workflowId]);
        await db.query(
          `WITH cancelled AS (
             UPDATE tasks SET state = 'cancelled', completed_at = $2 WHERE workflow_id = $1 AND state IN ('open', 'claimed') RETURNING id
           )
           INSERT INTO task_events (task_id, seq, at, event, actor, detail)
           SELECT c.id, (SELECT max(seq) + 1 FROM task_events e WHERE e.task_id = c.id), $2, 'cancelled', NULL, jsonb_build_object('processFailed', $3::text)
           FROM cancelled c`,
          [failure.workflowId, failure.at, failure.reason],
        );
        // A failed objection is closed as failed and disputes its record no more (Art. 20): the
        // record is shown undisputed, and its person may object to it again.
        const objectionId = /^objection\/([0-9a-f-]{36})$/.exec(failure.workflowId)?.[1];
        if (objectionId) {
          await db.query(
            `WITH closed AS (UPDATE objections SET state = 'failed', closed_at = $2 WHERE id = $1 AND state = 'open' RETURNING record_id)
             UPDATE records SET disputed_by = NULL WHERE id = (SELECT record_id FROM closed) AND disputed_by = $1`,
            [objectionId, failure.at],
          );
        }
      });
    },
  };
}

export type ProcessFailureActivities = ReturnType<typeof createProcessFailureActivities>;
