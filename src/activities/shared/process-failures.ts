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

/** What a process does with its own data when one of its workflows fails for good, in the transaction that records it. */
export type FailureCloser = (db: pg.PoolClient, failure: ProcessFailure) => Promise<void>;

/**
 * Activities of "processes in trouble are visible" (DESIGN.md): a failed process's clocks stop
 * as failed (neither open nor breached), its open tasks are cancelled so no reviewer is asked
 * for a decision nobody can take, each process's closer puts its own data right (a failed
 * objection's record is no longer disputed), and the failure is kept with its reason.
 */
export function createProcessFailureActivities({ pool, closers }: { pool: pg.Pool; closers: FailureCloser[] }) {
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
        for (const close of closers) await close(db, failure);
      });
    },
  };
}

export type ProcessFailureActivities = ReturnType<typeof createProcessFailureActivities>;
