import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { nightlyRescoringWorkflow } from '../workflows/rescore-full';

/** One schedule per task queue, so platforms sharing a Temporal namespace do not start each other's runs. */
export function nightlyRescoringScheduleId(taskQueue: string): string {
  return `rescore-full-nightly/${taskQueue}`;
}

/**
 * The nightly full rescoring (Art. 6) at 02:00 Asia/Shanghai, created when the worker starts and
 * left as it is (paused or not) when it already exists.
 */
export async function ensureNightlyRescoring(client: Client, taskQueue: string): Promise<'created' | 'exists'> {
  try {
    await client.schedule.create({
      scheduleId: nightlyRescoringScheduleId(taskQueue),
      spec: { calendars: [{ hour: 2, minute: 0 }], timezone: 'Asia/Shanghai' },
      action: { type: 'startWorkflow', workflowType: nightlyRescoringWorkflow, workflowId: `rescore-nightly/${taskQueue}`, taskQueue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '6 hours' },
      state: { note: 'Full rescoring of every person in every active scenario (Art. 6).' },
    });
    return 'created';
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) return 'exists';
    throw error;
  }
}
