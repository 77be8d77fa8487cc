import type pg from 'pg';
import { loadCalendar } from '../../db/calendar';
import { enqueueNotifications, type Notification } from '../../db/notifications';
import type { Queryable } from '../../db/pool';
import { withTransaction } from '../../db/transaction';
import { closingState, stateAfterReschedule, type OpenSlaState, type SlaStageSpec } from '../../domain/sla';
import { deadlineAfter, shanghaiDayOf, yearOf, type LocalDate } from '../../domain/working-days';

export interface OpenSlaStageInput {
  stageKey: string;
  workflowId: string;
  spec: SlaStageSpec;
  /** When the clock started, in workflow time (ISO). */
  startedAt: string;
  /** The day the working days are counted from; defaults to the Shanghai day of `startedAt`. */
  startDay?: LocalDate;
}

export interface SlaStageTimes {
  dueAt: string;
  remindAt: string;
  provisional: boolean;
  state: OpenSlaState;
}

interface StageRow {
  workflow_id: string;
  process: string;
  stage: string;
  article: string;
  agency_id: string | null;
  responsible: string;
  start_day: LocalDate;
  working_days: number;
  due_at: Date;
  remind_at: Date;
  provisional: boolean;
  state: string;
}

/** When a stage of `workingDays` counted from `startDay` is due, and reminded, by the calendar stored now. */
export async function stageTimes(db: Queryable, startDay: LocalDate, workingDays: number): Promise<Omit<SlaStageTimes, 'state'>> {
  const year = yearOf(startDay);
  // Enough years for any clock in the measures (at most a few dozen working days).
  const calendar = await loadCalendar(db, [year, year + 1, year + 2]);
  const deadline = deadlineAfter(startDay, workingDays, calendar);
  return {
    dueAt: deadline.dueAt.toISOString(),
    remindAt: deadline.remindAt.toISOString(),
    provisional: calendar.usedProvisionalDays,
  };
}

/**
 * A stage whose work arrived done and on time, with nothing left to wait for (a record shared with
 * no obligation announced): recorded met, as the clock would have closed it, for the reports and the
 * SLA board. Work that arrives late is not recorded here: it is a breach, flagged and escalated by a
 * clock (src/workflows/shared/sla-clock.ts).
 */
export async function recordStageMetOnArrival(
  db: Queryable,
  stage: { stageKey: string; workflowId: string; spec: SlaStageSpec; startDay: LocalDate; at: string; times: Omit<SlaStageTimes, 'state'> },
): Promise<void> {
  await db.query(
    `INSERT INTO sla_stages (stage_key, workflow_id, process, stage, article, agency_id, responsible, start_day,
       working_days, started_at, due_at, remind_at, provisional, state, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'met', $10)
     ON CONFLICT (stage_key) DO NOTHING`,
    [
      stage.stageKey, stage.workflowId, stage.spec.process, stage.spec.stage, stage.spec.article, stage.spec.responsible.agencyId ?? null,
      stage.spec.responsible.role, stage.startDay, stage.spec.workingDays, stage.at, stage.times.dueAt, stage.times.remindAt, stage.times.provisional,
    ],
  );
}

/** Activities behind the SLA clock (src/workflows/shared/sla-clock.ts). Every one is idempotent. */
export function createSlaActivities({ pool }: { pool: pg.Pool }) {
  const computeTimes = (startDay: LocalDate, workingDays: number) => stageTimes(pool, startDay, workingDays);

  async function stageRow(stageKey: string): Promise<StageRow> {
    const result = await pool.query<StageRow>('SELECT * FROM sla_stages WHERE stage_key = $1', [stageKey]);
    if (!result.rows[0]) throw new Error(`SLA stage ${stageKey} does not exist`);
    return result.rows[0];
  }

  function notice(stageKey: string, row: StageRow, kind: string, recipientRole: string, recipientId: string | null): Notification {
    return {
      id: `${stageKey}/${kind}/${row.due_at.toISOString()}/${recipientRole}`,
      recipientRole,
      recipientId,
      kind,
      workflowId: row.workflow_id,
      body: { process: row.process, stage: row.stage, article: row.article, dueAt: row.due_at.toISOString() },
    };
  }

  function responsibleOf(row: StageRow): { role: string; id: string | null } {
    return { role: row.responsible, id: row.agency_id };
  }

  return {
    async openSlaStage(input: OpenSlaStageInput): Promise<SlaStageTimes> {
      const startedAt = new Date(input.startedAt);
      const startDay = input.startDay ?? shanghaiDayOf(startedAt);
      const times = await computeTimes(startDay, input.spec.workingDays);
      // A retried activity finds its row and returns what was stored.
      await pool.query(
        `INSERT INTO sla_stages (stage_key, workflow_id, process, stage, article, agency_id, responsible, start_day,
           working_days, started_at, due_at, remind_at, provisional, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'on-track')
         ON CONFLICT (stage_key) DO NOTHING`,
        [
          input.stageKey, input.workflowId, input.spec.process, input.spec.stage, input.spec.article,
          input.spec.responsible.agencyId ?? null, input.spec.responsible.role, startDay, input.spec.workingDays,
          startedAt, times.dueAt, times.remindAt, times.provisional,
        ],
      );
      const row = await stageRow(input.stageKey);
      return { dueAt: row.due_at.toISOString(), remindAt: row.remind_at.toISOString(), provisional: row.provisional, state: 'on-track' };
    },

    /** Recomputes an open stage's times from the current calendar (after `calendarChanged`). */
    async rescheduleSlaStage(input: { stageKey: string; at: string }): Promise<SlaStageTimes> {
      const row = await stageRow(input.stageKey);
      const times = await computeTimes(row.start_day, row.working_days);
      const state = stateAfterReschedule(row.state as OpenSlaState, new Date(input.at), {
        dueAt: new Date(times.dueAt),
        remindAt: new Date(times.remindAt),
      });
      await pool.query(
        `UPDATE sla_stages SET due_at = $2, remind_at = $3, provisional = $4, state = $5
         WHERE stage_key = $1 AND finished_at IS NULL`,
        [input.stageKey, times.dueAt, times.remindAt, times.provisional, state],
      );
      return { ...times, state };
    },

    /** One working day before the due time: the stage is due soon and the responsible party is told. */
    async remindSlaStage(input: { stageKey: string; at: string }): Promise<void> {
      const row = await stageRow(input.stageKey);
      await withTransaction(pool, async (client) => {
        await client.query(
          `UPDATE sla_stages SET state = 'due-soon', reminded_at = coalesce(reminded_at, $2)
           WHERE stage_key = $1 AND finished_at IS NULL AND state = 'on-track'`,
          [input.stageKey, input.at],
        );
        const responsible = responsibleOf(row);
        await enqueueNotifications(client, [notice(input.stageKey, row, 'sla-reminder', responsible.role, responsible.id)]);
      });
    },

    /** The due time passed with the stage open: flag the breach, tell the responsible party and escalate to supervisors. */
    async breachSlaStage(input: { stageKey: string; at: string }): Promise<void> {
      const row = await stageRow(input.stageKey);
      await withTransaction(pool, async (client) => {
        await client.query(
          `UPDATE sla_stages SET state = 'breached', breached_at = coalesce(breached_at, $2)
           WHERE stage_key = $1 AND finished_at IS NULL`,
          [input.stageKey, input.at],
        );
        const responsible = responsibleOf(row);
        await enqueueNotifications(client, [
          notice(input.stageKey, row, 'sla-breach', responsible.role, responsible.id),
          notice(input.stageKey, row, 'sla-escalation', 'supervisor', null),
        ]);
      });
    },

    /** The stage's work is done: met if on time, otherwise it stays breached (late work is still accepted). */
    async closeSlaStage(input: { stageKey: string; at: string }): Promise<'met' | 'breached'> {
      const result = await pool.query<{ state: 'met' | 'breached' }>(
        `UPDATE sla_stages SET finished_at = $2,
           state = CASE WHEN $2::timestamptz > due_at THEN 'breached' ELSE 'met' END
         WHERE stage_key = $1 AND finished_at IS NULL
         RETURNING state`,
        [input.stageKey, input.at],
      );
      if (result.rows[0]) return result.rows[0].state;
      const row = await stageRow(input.stageKey);
      return closingState(new Date(input.at), row.due_at);
    },
  };
}

export type SlaActivities = ReturnType<typeof createSlaActivities>;
