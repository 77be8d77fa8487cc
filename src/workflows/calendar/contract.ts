import type { CalendarDay } from '../../domain/official-calendar';
import { workflowSummary, type RefusalAnswers } from '../shared/contract';

/** The working-day calendar: an admin loads a year or corrects days, and open deadlines move with it. */

export const calendarChangeWorkflowType = 'calendarChangeWorkflow';

export function calendarChangeWorkflowId(changeId: string): string {
  return `calendar/${changeId}`;
}

export function calendarChangeSummary(request: CalendarChangeRequest): string {
  return workflowSummary(
    { zh: '工作日日历', en: 'Working-day calendar' },
    request.kind === 'load-year'
      ? { zh: `载入 ${request.year} 年`, en: `load ${request.year}` }
      : { zh: `更正 ${request.days.length} 天`, en: `correct ${request.days.length} day${request.days.length === 1 ? '' : 's'}` },
  );
}

export type CalendarChangeRequest =
  | { kind: 'load-year'; year: number; days?: CalendarDay[]; requestedBy: string }
  | { kind: 'correct-days'; days: CalendarDay[]; requestedBy: string };

export interface CalendarChangeResult {
  days: number;
  workingDays?: number;
  source?: string;
  /** How many running workflows were told to recompute their deadlines. */
  signalled: number;
}

export type CalendarChangeWorkflow = (request: CalendarChangeRequest) => Promise<CalendarChangeResult>;

/** The `chinese-days` package has no notice for the year, and the request gave none. */
export const CALENDAR_YEAR_UNAVAILABLE = 'CalendarYearUnavailable';

/** How the API answers each refusal of this process (src/api/workflow-failures.ts). */
export const CALENDAR_REFUSALS: RefusalAnswers = {
  [CALENDAR_YEAR_UNAVAILABLE]: { status: 422, code: 'calendar-year-unavailable' },
};
