import { activityInfo, heartbeat } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type pg from 'pg';
import { correctCalendarDays, writeCalendarYear } from '../../db/calendar';
import { publishedYearFromPackage, PACKAGE_YEARS, type CalendarDay } from '../../domain/official-calendar';
import { CALENDAR_YEAR_UNAVAILABLE } from '../../workflows/calendar/contract';
import { calendarChangedSignal, refusal } from '../../workflows/shared/contract';

const SIGNAL_PAGE = 200;

export interface LoadCalendarYearInput {
  year: number;
  /** The notice's days; when absent, the year is taken from the `chinese-days` package. */
  days?: CalendarDay[];
  loadedBy: string;
}

/** Activities of the working-day calendar: loading a year, correcting days, telling open clocks. */
export function createCalendarActivities({ pool, client }: { pool: pg.Pool; client: Client }) {
  return {
    async loadCalendarYear(input: LoadCalendarYearInput): Promise<{ days: number; workingDays: number; source: string }> {
      const days = input.days ?? publishedYearFromPackage(input.year);
      if (!days) {
        throw refusal(
          CALENDAR_YEAR_UNAVAILABLE,
          `The chinese-days package has no notice for ${input.year} (it covers ${PACKAGE_YEARS[0]}-${PACKAGE_YEARS.at(-1)}): supply the year's days`,
          'year',
        );
      }
      const source = input.days ? 'state-council notice (supplied by admin)' : 'chinese-days package';
      await writeCalendarYear(pool, input.year, days, source, input.loadedBy);
      return { days: days.length, workingDays: days.filter((d) => d.isWorkingDay).length, source };
    },

    async correctCalendarDays(input: { days: CalendarDay[] }): Promise<{ days: number }> {
      await correctCalendarDays(pool, input.days);
      return { days: input.days.length };
    },

    /**
     * Sends `calendarChanged` to every workflow with an open SLA stage, in pages, heartbeating
     * the last workflow id signalled so a retry resumes there instead of starting over.
     */
    async signalOpenClocks(input: { changedBy: string }): Promise<{ signalled: number }> {
      const resumed = activityInfo().heartbeatDetails as { after: string; signalled: number } | undefined;
      let after = resumed?.after ?? '';
      let signalled = resumed?.signalled ?? 0;
      for (;;) {
        const page = await pool.query<{ workflow_id: string }>(
          `SELECT DISTINCT workflow_id FROM sla_stages
           WHERE finished_at IS NULL AND workflow_id > $1 ORDER BY workflow_id LIMIT $2`,
          [after, SIGNAL_PAGE],
        );
        if (page.rows.length === 0) return { signalled };
        for (const { workflow_id: workflowId } of page.rows) {
          try {
            await client.workflow.getHandle(workflowId).signal(calendarChangedSignal, { changedBy: input.changedBy });
            signalled += 1;
          } catch (error) {
            // A workflow that ended without closing its stage has no clock left to move.
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          }
          after = workflowId;
        }
        heartbeat({ after, signalled });
      }
    },
  };
}

export type CalendarActivities = ReturnType<typeof createCalendarActivities>;
