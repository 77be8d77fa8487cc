import type pg from 'pg';
import { enqueueNotifications } from '../../db/notifications';
import { withTransaction } from '../../db/transaction';
import type { DecisionInputs } from '../../workflows/shared/contract';

/** A task as a workflow opens it. */
export interface NewTask {
  taskId: string;
  workflowId: string;
  process: string;
  kind: string;
  role: string;
  agencyId: string | null;
  subject: string;
  /** The person the task concerns, whose data its reviewer reads (Art. 22). */
  personId: string;
  /** The SLA stage whose due time the task has (and keeps when a calendar change moves it). */
  slaStageKey: string | null;
  allowedDecisions: string[];
  /** What a decision carries beyond its reasons, so a page can ask for it (see DecisionInputs). */
  decisionInputs?: DecisionInputs;
  context: Record<string, unknown>;
}

export interface TaskEvent {
  taskId: string;
  /** Numbered by the workflow, so a retried activity writes its event once. */
  seq: number;
  at: string;
  actor: string | null;
  detail?: Record<string, unknown>;
}

async function appendEvent(db: pg.PoolClient | pg.Pool, event: TaskEvent, kind: string): Promise<void> {
  await db.query(
    `INSERT INTO task_events (task_id, seq, at, event, actor, detail) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [event.taskId, event.seq, event.at, kind, event.actor, JSON.stringify(event.detail ?? {})],
  );
}

/** Activities of the human-task mechanism (DESIGN.md): the `tasks` inbox rows and their trail. */
export function createTaskActivities({ pool }: { pool: pg.Pool }) {
  return {
    async createTask(task: NewTask & { at: string }): Promise<void> {
      await withTransaction(pool, async (db) => {
        await db.query(
          `INSERT INTO tasks (id, workflow_id, process, kind, role, agency_id, subject, sla_stage_key, allowed_decisions, context, created_at, person_id, decision_inputs)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING`,
          [
            task.taskId, task.workflowId, task.process, task.kind, task.role, task.agencyId, task.subject, task.slaStageKey, task.allowedDecisions,
            JSON.stringify(task.context), task.at, task.personId, task.decisionInputs ? JSON.stringify(task.decisionInputs) : null,
          ],
        );
        await appendEvent(db, { taskId: task.taskId, seq: 1, at: task.at, actor: null }, 'created');
      });
    },

    async claimTask(input: TaskEvent & { claim: boolean }): Promise<void> {
      await withTransaction(pool, async (db) => {
        await db.query(
          `UPDATE tasks SET state = CASE WHEN $2 THEN 'claimed' ELSE 'open' END, claimed_by = CASE WHEN $2 THEN $3 END,
             claimed_at = CASE WHEN $2 THEN $4::timestamptz END
           WHERE id = $1 AND state IN ('open', 'claimed')`,
          [input.taskId, input.claim, input.actor, input.at],
        );
        await appendEvent(db, input, input.claim ? 'claimed' : 'released');
      });
    },

    /** A supervisor's reminder: a step of the task's trail, and a notice to whoever holds the task, once per step. */
    async remindTask(input: TaskEvent & { workflowId: string; recipient: { role: string; id: string | null } }): Promise<void> {
      await withTransaction(pool, async (db) => {
        await appendEvent(db, { ...input, detail: { to: input.recipient.id ?? input.recipient.role } }, 'reminded');
        await enqueueNotifications(db, [
          {
            id: `task-reminder/${input.taskId}/${input.seq}`,
            recipientRole: input.recipient.role,
            recipientId: input.recipient.id,
            kind: 'task-reminder',
            workflowId: input.workflowId,
            body: { taskId: input.taskId },
          },
        ]);
      });
    },

    async completeTask(input: TaskEvent & { decision: Record<string, unknown> }): Promise<void> {
      await withTransaction(pool, async (db) => {
        await db.query(
          `UPDATE tasks SET state = 'completed', decision = $2, completed_by = $3, completed_at = $4 WHERE id = $1 AND state IN ('open', 'claimed')`,
          [input.taskId, JSON.stringify(input.decision), input.actor, input.at],
        );
        await appendEvent(db, { ...input, detail: input.decision }, 'completed');
      });
    },

    async cancelTask(input: TaskEvent): Promise<void> {
      await withTransaction(pool, async (db) => {
        await db.query(`UPDATE tasks SET state = 'cancelled', completed_at = $2 WHERE id = $1 AND state IN ('open', 'claimed')`, [input.taskId, input.at]);
        await appendEvent(db, input, 'cancelled');
      });
    },
  };
}

export type TaskActivities = ReturnType<typeof createTaskActivities>;
