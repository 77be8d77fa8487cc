import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { RescoreRequestActivities } from '../../activities/scoring/requests';
import { heartbeatingStepOptions } from '../shared/activity-options';
import { CurrentDetails } from '../shared/current-details';

/** One attempt listens this long; a dead worker's attempt is taken over after the heartbeat timeout. */
const LISTEN_MS = 10 * 60_000;
const answering = proxyActivities<RescoreRequestActivities>(heartbeatingStepOptions('10 seconds', '15 minutes'));
/** Keep the history short: start afresh after a day of listening. */
const LISTENS_PER_RUN = 144;

/**
 * Event-driven rescoring (Art. 6) of the records taken without a workflow: `rescore-requests/{taskQueue}`
 * keeps one activity listening for the requests their transactions stored, which scores the
 * persons asking as they arrive, many in one statement. A share that had to signal a workflow
 * for each person cost more than the share; this costs a few history events every ten minutes.
 */
export async function rescoreRequestsWorkflow(): Promise<never> {
  const details = new CurrentDetails();
  details.waitFor('requests', {
    what: { zh: '新的重算请求（记录共享时存入），随到随算', en: 'rescoring requests (stored as records are shared), scored as they arrive' },
  });
  for (let listened = 0; listened < LISTENS_PER_RUN; listened += 1) {
    await answering.answerRescoreRequests({ forMs: LISTEN_MS });
  }
  return continueAsNew<typeof rescoreRequestsWorkflow>();
}
