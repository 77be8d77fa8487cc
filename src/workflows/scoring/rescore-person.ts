import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ScoringActivities } from '../../activities/scoring';
import { databaseStepOptions } from '../shared/activity-options';
import { CurrentDetails } from '../shared/current-details';
import { rescoreRequestedSignal } from './contract';

const scoring = proxyActivities<ScoringActivities>(databaseStepOptions);

/** Stay a while after the last request, so the next burst finds this run instead of starting one. */
const IDLE_BEFORE_CLOSING_MS = 10 * 60_000;
/** Keep the history short: start afresh after this many computations. */
const COMPUTATIONS_PER_RUN = 200;

/**
 * Event-driven rescoring (Art. 6): `rescore-person/{personId}` scores the person again after
 * each change of their records. Requests that arrive while a computation runs coalesce into one
 * more computation, so a burst of changes costs at most two.
 */
export async function rescorePersonWorkflow(input: { personId: string }): Promise<void> {
  const details = new CurrentDetails();
  let pending = false;
  setHandler(rescoreRequestedSignal, () => {
    pending = true;
  });
  for (let computed = 0; computed < COMPUTATIONS_PER_RUN; computed += 1) {
    details.waitFor('requests', {
      what: { zh: '新的重算请求（其信用记录变动时发出），届时无请求即结束', en: "another rescoring request (sent when the person's records change); closes if none comes by then" },
      until: new Date(Date.now() + IDLE_BEFORE_CLOSING_MS),
    });
    if (!(await condition(() => pending, IDLE_BEFORE_CLOSING_MS))) {
      details.end({ zh: '已结束：无新的重算请求', en: 'Closed: no more rescoring requests' });
      return;
    }
    pending = false;
    const { workflowId, runId } = workflowInfo();
    await scoring.rescorePerson({ personId: input.personId, computedBy: `${workflowId}#${runId}/${computed}` });
  }
  // The next run has no static summary (continueAsNew takes none in SDK 1.24); its current details say what it waits for.
  await continueAsNew<typeof rescorePersonWorkflow>(input);
}
