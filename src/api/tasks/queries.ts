import type pg from 'pg';
import { loadCalendar } from '../../db/calendar';
import type { Actor } from '../../domain/roles';
import { shanghaiDayOf, workingDaysLeft, yearOf } from '../../domain/working-days';
import type { DecisionInputs } from '../../workflows/shared/contract';
import type { TaskEventView, TaskView } from '../shared/task-view';
import { decisionInputsOf } from './decision-inputs';

/** A task as the inbox reads it: its due time is its SLA stage's, which a calendar change moves. */
export interface TaskRow {
  id: string;
  workflow_id: string;
  process: string;
  kind: string;
  role: string;
  agency_id: string | null;
  subject: string;
  state: string;
  due_at: Date | null;
  provisional: boolean | null;
  allowed_decisions: string[];
  claimed_by: string | null;
  claimed_at: Date | null;
  created_at: Date;
  decision_inputs: DecisionInputs | null;
  context: Record<string, unknown>;
  /** The person the task concerns (Art. 22: its reviewer reads their data). */
  person_id: string | null;
  /** What it is about, in the inbox's words: the record's type, reference and sharer, or a declaration's type and title. */
  about_type: string | null;
  about_reference: string | null;
  about_sharer: string | null;
  about_sharer_name: string | null;
  about_title: string | null;
}

const TASK_COLUMNS = `t.id, t.workflow_id, t.process, t.kind, t.role, t.agency_id, t.subject, t.state, coalesce(s.due_at, t.due_at) AS due_at,
  s.provisional, t.allowed_decisions, t.claimed_by, t.claimed_at, t.created_at, t.decision_inputs, t.context, t.person_id,
  coalesce(r.type_code, t.context->>'typeCode') AS about_type, r.reference AS about_reference, r.sharer_id AS about_sharer, a.name AS about_sharer_name,
  t.context->'details'->>'title' AS about_title`;
// The record a task names in its context, when it names one by a well-formed id.
const TASKS = `tasks t LEFT JOIN sla_stages s ON s.stage_key = t.sla_stage_key
  LEFT JOIN records r ON r.id = CASE WHEN t.context->>'recordId' ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN (t.context->>'recordId')::uuid END
  LEFT JOIN agencies a ON a.id = r.sharer_id`;

/**
 * The tasks an actor may see: their role's; an organisation's (an agency's or a market
 * provider's: a task for the organisation that shared a record is its, whichever kind it is);
 * supervisors see all.
 */
function visibility(actor: Actor): { sql: string; params: unknown[] } {
  if (actor.role === 'supervisor') return { sql: 'true', params: [] };
  if (actor.role === 'agency' || actor.role === 'provider') return { sql: "t.role IN ('agency', 'provider') AND t.agency_id = $1", params: [actor.agencyId] };
  return { sql: 't.role = $1', params: [actor.role] };
}

export async function inbox(
  pool: pg.Pool,
  actor: Actor,
  filter: { state?: string; process?: string; dueBefore?: string; limit: number },
): Promise<TaskRow[]> {
  const scope = visibility(actor);
  const n = scope.params.length;
  const rows = await pool.query<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM ${TASKS} WHERE ${scope.sql}
       AND ($${n + 1}::text IS NULL OR t.state = $${n + 1}) AND ($${n + 2}::text IS NULL OR t.process = $${n + 2})
       AND ($${n + 3}::timestamptz IS NULL OR coalesce(s.due_at, t.due_at) < $${n + 3})
     ORDER BY coalesce(s.due_at, t.due_at) NULLS LAST, t.created_at LIMIT $${n + 4}`,
    [...scope.params, filter.state ?? null, filter.process ?? null, filter.dueBefore ?? null, filter.limit],
  );
  return rows.rows;
}

/** One task, if the actor may see it. */
export async function visibleTask(pool: pg.Pool, actor: Actor, taskId: string): Promise<TaskRow | undefined> {
  const scope = visibility(actor);
  const found = await pool.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM ${TASKS} WHERE t.id = $${scope.params.length + 1} AND ${scope.sql}`, [...scope.params, taskId]);
  return found.rows[0];
}

export async function taskEvents(pool: pg.Pool, taskId: string): Promise<TaskEventView[]> {
  const events = await pool.query<{ at: Date; event: string; actor: string | null; detail: Record<string, unknown> }>(
    'SELECT at, event, actor, detail FROM task_events WHERE task_id = $1 ORDER BY seq',
    [taskId],
  );
  return events.rows.map((row) => ({ at: row.at.toISOString(), event: row.event, actor: row.actor, detail: row.detail }));
}

/** Tasks as the inbox shows them, with the working days left until each is due (Asia/Shanghai). */
export async function taskViews(pool: pg.Pool, rows: TaskRow[]): Promise<TaskView[]> {
  const today = shanghaiDayOf(new Date());
  const dueYears = rows.flatMap((row) => (row.due_at ? [yearOf(shanghaiDayOf(row.due_at))] : []));
  const calendar = await loadCalendar(pool, [...new Set([yearOf(today), ...dueYears])]);
  return rows.map((row) => ({
    id: row.id,
    process: row.process,
    kind: row.kind,
    role: row.role,
    agencyId: row.agency_id,
    subject: row.subject,
    state: row.state,
    dueAt: row.due_at?.toISOString() ?? null,
    provisional: row.provisional,
    workingDaysLeft: row.due_at ? workingDaysLeft(today, row.due_at, calendar) : null,
    allowedDecisions: row.allowed_decisions,
    decisionInputs: decisionInputsOf(row),
    claimedBy: row.claimed_by,
    claimedAt: row.claimed_at?.toISOString() ?? null,
    context: row.context,
    about: { recordType: row.about_type, reference: row.about_reference, sharerId: row.about_sharer, sharerName: row.about_sharer_name, title: row.about_title },
  }));
}

/** The category of the record a task's context names (a task that decides on a record), if it names one. */
export async function categoryOfRecord(pool: pg.Pool, recordId: unknown): Promise<string | undefined> {
  if (typeof recordId !== 'string') return undefined;
  const found = await pool.query<{ category: string }>('SELECT category FROM records WHERE id = $1', [recordId]);
  return found.rows[0]?.category;
}
