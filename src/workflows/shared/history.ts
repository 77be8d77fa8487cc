import { workflowInfo } from '@temporalio/workflow';

/**
 * Events a run of a long-lived workflow keeps before it continues as new: far below Temporal's
 * limits (a warning at 10,240 events, the run ended at 51,200), and small enough that a worker
 * replaying it after a restart does so in milliseconds.
 */
export const EVENTS_PER_RUN = 2_000;

/** Whether this run's history is long enough to continue as new at the next quiet point. */
export function historyIsLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= EVENTS_PER_RUN;
}
