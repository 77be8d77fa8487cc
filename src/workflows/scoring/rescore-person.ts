import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ScoringActivities } from '../../activities/scoring';
import { databaseStep } from '../shared/activity-options';
import { rescoreRequestedSignal } from './contract';

const scoring = proxyActivities<ScoringActivities>(databaseStep);

/** Stay a while after the last request, so the next burst finds this run instead of starting one. */
const IDLE_BEFORE_CLOSING = '10 minutes';
/** Keep the history short: start afresh after this many computations. */
const COMPUTATIONS_PER_RUN = 200;

/**
 * Event-driven rescoring (Art. 6): `rescore-person/{personId}` scores the person again after
 * each change of their records. Requests that arrive while a computation runs coalesce into one
 * more computation, so a burst of changes costs at most two.
 */
export async function rescorePersonWorkflow(input: { personId: string }): Promise<void> {
  let pending = false;
  setHandler(rescoreRequestedSignal, () => {
    pending = true;
  });
  for (let computed = 0; computed < COMPUTATIONS_PER_RUN; computed += 1) {
    if (!(await condition(() => pending, IDLE_BEFORE_CLOSING))) return;
    pending = false;
    const { workflowId, runId } = workflowInfo();
    await scoring.rescorePerson({ personId: input.personId, computedBy: `${workflowId}#${runId}/${computed}` });
  }
  await continueAsNew<typeof rescorePersonWorkflow>(input);
}
