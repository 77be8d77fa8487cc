import { continueAsNew, log, proxyActivities, sleep } from '@temporalio/workflow';
import type { RescoreRequestActivities } from '../../activities/scoring/requests';
import { heartbeatingStepOptions } from '../shared/activity-options';
import { CurrentDetails } from '../shared/current-details';

/** One attempt listens this long; a dead worker's attempt is taken over after the heartbeat timeout (30 s, as bulk steps'). */
const LISTEN_MS = 10 * 60_000;
const answering = proxyActivities<RescoreRequestActivities>(heartbeatingStepOptions('30 seconds', '15 minutes'));
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
    try {
      await answering.answerRescoreRequests({ forMs: LISTEN_MS });
    } catch (error) {
      // This workflow must outlive any failure of an attempt (the activity retries until done; a
      // failure reaching here is one no retry changes): the requests wait in Postgres meanwhile.
      log.warn('answering rescoring requests failed; listening again in a minute', { error: error instanceof Error ? error.message : String(error) });
      await sleep('1 minute');
    }
  }
  return continueAsNew<typeof rescoreRequestsWorkflow>();
}
