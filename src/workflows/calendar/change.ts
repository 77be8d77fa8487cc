import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { CalendarActivities } from '../../activities/calendar';
import { databaseStepOptions, heartbeatingStepOptions } from '../shared/activity-options';
import type { CalendarChangeRequest, CalendarChangeResult } from './contract';

const calendar = proxyActivities<CalendarActivities>(databaseStepOptions);
// Paging through every open clock of the city can take a while; the heartbeat shows it is alive.
const signalling = proxyActivities<CalendarActivities>(heartbeatingStepOptions('1 minute'));

/**
 * Loads a year's working-day calendar or corrects single days, then moves the deadlines of every
 * running process with an open clock (REQUIREMENTS.md "Working days": a change of the calendar
 * moves the deadlines of processes that are still running). Workflow id `calendar/{changeId}`.
 */
export async function calendarChangeWorkflow(request: CalendarChangeRequest): Promise<CalendarChangeResult> {
  const written =
    request.kind === 'load-year'
      ? await calendar.loadCalendarYear({ year: request.year, days: request.days, loadedBy: request.requestedBy })
      : await calendar.correctCalendarDays({ days: request.days });
  const { signalled } = await signalling.signalOpenClocks({ changedBy: workflowInfo().workflowId });
  return { ...written, signalled };
}
