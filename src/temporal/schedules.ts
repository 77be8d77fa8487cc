import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { registerUpkeepScheduleId, registerUpkeepSummary, registerUpkeepWorkflowId, registerUpkeepWorkflowType } from '../workflows/register/contract';
import {
  nightlyRescoringScheduleId,
  nightlyRescoringSummary,
  nightlyRescoringWorkflowId,
  nightlyRescoringWorkflowType,
  rescoreRequestsSummary,
  rescoreRequestsWorkflowId,
  rescoreRequestsWorkflowType,
  type RescoreRequestsWorkflow,
} from '../workflows/scoring/contract';

/**
 * The nightly full rescoring (Art. 6) at 02:00 Asia/Shanghai, created when the worker starts and
 * left as it is (paused or not) when it already exists.
 */
export async function ensureNightlyRescoring(client: Client, taskQueue: string): Promise<'created' | 'exists'> {
  try {
    await client.schedule.create({
      scheduleId: nightlyRescoringScheduleId(taskQueue),
      spec: { calendars: [{ hour: 2, minute: 0 }], timezone: 'Asia/Shanghai' },
      action: {
        type: 'startWorkflow',
        workflowType: nightlyRescoringWorkflowType,
        workflowId: nightlyRescoringWorkflowId(taskQueue),
        taskQueue,
        args: [],
        staticSummary: nightlyRescoringSummary(),
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '6 hours' },
      state: { note: 'Full rescoring of every person in every active scenario (Art. 6).' },
    });
    return 'created';
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) return 'exists';
    throw error;
  }
}

/**
 * The query register's upkeep (Art. 22) at 03:30 Asia/Shanghai, daily: partitions a year ahead,
 * months past three years named for archiving. Created when the worker starts, left as it is after.
 */
export async function ensureRegisterUpkeep(client: Client, taskQueue: string): Promise<'created' | 'exists'> {
  try {
    await client.schedule.create({
      scheduleId: registerUpkeepScheduleId(taskQueue),
      spec: { calendars: [{ hour: 3, minute: 30 }], timezone: 'Asia/Shanghai' },
      action: {
        type: 'startWorkflow',
        workflowType: registerUpkeepWorkflowType,
        workflowId: registerUpkeepWorkflowId(taskQueue),
        taskQueue,
        args: [],
        staticSummary: registerUpkeepSummary(),
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      state: { note: 'Query register partitions a year ahead; months past three years named for archiving (Art. 22).' },
    });
    return 'created';
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) return 'exists';
    throw error;
  }
}

/**
 * The workflow answering rescoring requests (Art. 6) on the task queue, started when a worker
 * starts and joined when it already runs: one per task queue, however many workers poll it.
 */
export async function ensureRescoreRequestsAnswered(client: Client, taskQueue: string): Promise<void> {
  await client.workflow.start<RescoreRequestsWorkflow>(rescoreRequestsWorkflowType, {
    workflowId: rescoreRequestsWorkflowId(taskQueue),
    taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: rescoreRequestsSummary(),
  });
}
