import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { nightlyRescoringScheduleId, nightlyRescoringWorkflowId, nightlyRescoringWorkflowType } from '../workflows/scoring/contract';

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
