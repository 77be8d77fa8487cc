import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { CalendarActivities } from '../activities/calendar';
import type { CalendarDay } from '../domain/official-calendar';

const calendar = proxyActivities<CalendarActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

const signalling = proxyActivities<CalendarActivities>({
  // Paging through every open clock of the city can take a while; the heartbeat shows it is alive.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

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

/**
 * Loads a year's working-day calendar or corrects single days, then moves the deadlines of every
 * running process with an open clock (REQUIREMENTS.md "Working days": a change of the calendar
 * moves the deadlines of processes that are still running). Workflow id: `calendar/{year}/...`.
 */
export async function calendarChangeWorkflow(request: CalendarChangeRequest): Promise<CalendarChangeResult> {
  const written =
    request.kind === 'load-year'
      ? await calendar.loadCalendarYear({ year: request.year, days: request.days, loadedBy: request.requestedBy })
      : await calendar.correctCalendarDays({ days: request.days });
  const { signalled } = await signalling.signalOpenClocks({ changedBy: workflowInfo().workflowId });
  return { ...written, signalled };
}
