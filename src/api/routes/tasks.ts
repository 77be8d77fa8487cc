import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { loadCalendar } from '../../db/calendar';
import { recordCorrectionSchema } from '../../domain/record';
import type { Actor } from '../../domain/roles';
import { addDays, shanghaiDayOf, yearOf } from '../../domain/working-days';
import { claimTaskUpdate, completeTaskUpdate, TASK_REFUSED } from '../../workflows/human-task';
import { requireRole } from '../auth';
import { ApiError } from '../errors';
import type { ApiDependencies } from '../server';

const taskView = z.object({
  id: z.string(),
  process: z.string(),
  kind: z.string(),
  role: z.string(),
  agencyId: z.string().nullable(),
  subject: z.string(),
  state: z.string(),
  dueAt: z.string().nullable(),
  workingDaysLeft: z.number().nullable(),
  allowedDecisions: z.array(z.string()),
  claimedBy: z.string().nullable(),
  context: z.record(z.string(), z.unknown()),
});

interface TaskRow {
  id: string;
  workflow_id: string;
  process: string;
  kind: string;
  role: string;
  agency_id: string | null;
  subject: string;
  state: string;
  due_at: Date | null;
  allowed_decisions: string[];
  claimed_by: string | null;
  context: Record<string, unknown>;
}

function toView(row: TaskRow, workingDaysLeft: number | null): z.infer<typeof taskView> {
  return {
    id: row.id,
    process: row.process,
    kind: row.kind,
    role: row.role,
    agencyId: row.agency_id,
    subject: row.subject,
    state: row.state,
    dueAt: row.due_at?.toISOString() ?? null,
    workingDaysLeft,
    allowedDecisions: row.allowed_decisions,
    claimedBy: row.claimed_by,
    context: row.context,
  };
}

/** The tasks an actor may see: their role's (and their agency's); supervisors see all. */
function visibility(actor: Actor): { sql: string; params: unknown[] } {
  if (actor.role === 'supervisor') return { sql: 'true', params: [] };
  if (actor.role === 'agency' || actor.role === 'provider') return { sql: 'role = $1 AND agency_id = $2', params: [actor.role, actor.agencyId] };
  return { sql: 'role = $1', params: [actor.role] };
}

/** Working days from today until a due time (negative once it has passed). */
async function workingDaysLeft(deps: ApiDependencies, dueAts: (Date | null)[]): Promise<(number | null)[]> {
  const today = shanghaiDayOf(new Date());
  const years = [yearOf(today), yearOf(today) + 1];
  const calendar = await loadCalendar(deps.pool, years);
  return dueAts.map((dueAt) => {
    if (!dueAt) return null;
    const dueDay = shanghaiDayOf(new Date(dueAt.getTime() - 1));
    const [from, to, sign] = dueDay >= today ? [today, dueDay, 1] : [dueDay, today, -1];
    let days = 0;
    for (let day = addDays(from, 1); day <= to; day = addDays(day, 1)) if (calendar.isWorkingDay(day)) days += 1;
    return sign * days;
  });
}

function refusal(error: unknown): never {
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === TASK_REFUSED) {
    const field = (error.cause.details?.[0] as { field?: string } | undefined)?.field ?? 'task';
    throw new ApiError(field === 'role' || field === 'agency' ? 403 : field === 'taskId' ? 409 : 400, 'task-refused', error.cause.message, field);
  }
  if (error instanceof WorkflowNotFoundError) throw new ApiError(409, 'task-closed', 'The process of this task has ended');
  throw error;
}

/** The reviewers' task inbox (DESIGN.md "Human task"): list, claim, release, complete, history. */
export const taskRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.get(
    '/tasks',
    {
      schema: {
        summary: 'My tasks, soonest due first, with the working days left',
        tags: ['tasks'],
        querystring: z.object({
          state: z.enum(['open', 'claimed', 'completed', 'cancelled']).optional(),
          process: z.string().max(40).optional(),
          dueBefore: z.iso.datetime({ offset: true }).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ tasks: z.array(taskView) }) },
      },
    },
    async (request) => {
      const actor = requireRole(request.actor, ['ndrc', 'agency', 'provider', 'supervisor']);
      const scope = visibility(actor);
      const { state, process, dueBefore, limit } = request.query;
      const n = scope.params.length;
      const rows = await deps.pool.query<TaskRow>(
        `SELECT * FROM tasks WHERE ${scope.sql}
           AND ($${n + 1}::text IS NULL OR state = $${n + 1}) AND ($${n + 2}::text IS NULL OR process = $${n + 2})
           AND ($${n + 3}::timestamptz IS NULL OR due_at < $${n + 3})
         ORDER BY due_at NULLS LAST, created_at LIMIT $${n + 4}`,
        [...scope.params, state ?? null, process ?? null, dueBefore ?? null, limit],
      );
      const left = await workingDaysLeft(deps, rows.rows.map((row) => row.due_at));
      return { tasks: rows.rows.map((row, i) => toView(row, left[i]!)) };
    },
  );

  async function taskFor(actor: Actor, taskId: string): Promise<TaskRow> {
    const scope = visibility(actor);
    const found = await deps.pool.query<TaskRow>(`SELECT * FROM tasks WHERE id = $${scope.params.length + 1} AND ${scope.sql}`, [...scope.params, taskId]);
    if (!found.rows[0]) throw new ApiError(404, 'not-found', `No task ${taskId} in your inbox`, 'taskId');
    return found.rows[0];
  }

  const params = z.object({ taskId: z.uuid() });
  for (const action of ['claim', 'release'] as const) {
    app.post(
      `/tasks/:taskId/${action}`,
      { schema: { summary: action === 'claim' ? 'Claim a task' : 'Release a task I claimed', tags: ['tasks'], params, response: { 200: z.object({ taskId: z.string(), claimedBy: z.string().nullable() }) } } },
      async (request) => {
        const actor = requireRole(request.actor, ['ndrc', 'agency', 'provider']);
        const task = await taskFor(actor, request.params.taskId);
        try {
          return await deps.client.workflow
            .getHandle(task.workflow_id)
            .executeUpdate(claimTaskUpdate, { args: [{ taskId: task.id, actor: { subject: actor.subject, role: actor.role, ...(actor.agencyId ? { agencyId: actor.agencyId } : {}) }, claim: action === 'claim' }] });
        } catch (error) {
          return refusal(error);
        }
      },
    );
  }

  app.post(
    '/tasks/:taskId/completion',
    {
      schema: {
        summary: 'Complete a task with a decision; the process validates it before anything is recorded',
        tags: ['tasks'],
        params,
        body: z.object({ decision: z.string().min(1).max(40), reasons: z.string().max(4000), correction: recordCorrectionSchema.optional() }),
        response: { 200: z.object({ taskId: z.string(), decision: z.string() }) },
      },
    },
    async (request) => {
      const actor = requireRole(request.actor, ['ndrc', 'agency', 'provider']);
      const task = await taskFor(actor, request.params.taskId);
      try {
        return await deps.client.workflow.getHandle(task.workflow_id).executeUpdate(completeTaskUpdate, {
          args: [
            {
              taskId: task.id,
              actor: { subject: actor.subject, role: actor.role, ...(actor.agencyId ? { agencyId: actor.agencyId } : {}) },
              decision: request.body.decision,
              reasons: request.body.reasons,
              ...(request.body.correction ? { correction: request.body.correction } : {}),
            },
          ],
        });
      } catch (error) {
        return refusal(error);
      }
    },
  );

  app.get(
    '/tasks/:taskId/history',
    {
      schema: {
        summary: 'What happened to a task: created, claimed, released, completed, cancelled',
        tags: ['tasks'],
        params,
        response: { 200: z.object({ task: taskView, events: z.array(z.object({ at: z.string(), event: z.string(), actor: z.string().nullable(), detail: z.record(z.string(), z.unknown()) })) }) },
      },
    },
    async (request) => {
      const actor = requireRole(request.actor, ['ndrc', 'agency', 'provider', 'supervisor']);
      const task = await taskFor(actor, request.params.taskId);
      const events = await deps.pool.query<{ at: Date; event: string; actor: string | null; detail: Record<string, unknown> }>(
        'SELECT at, event, actor, detail FROM task_events WHERE task_id = $1 ORDER BY seq',
        [task.id],
      );
      const [left] = await workingDaysLeft(deps, [task.due_at]);
      return {
        task: toView(task, left!),
        events: events.rows.map((row) => ({ at: row.at.toISOString(), event: row.event, actor: row.actor, detail: row.detail })),
      };
    },
  );
};
