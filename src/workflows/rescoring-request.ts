import { proxyActivities } from '@temporalio/workflow';
import type { ScoringActivities } from '../activities/scoring';

const scoring = proxyActivities<ScoringActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** Art. 6: a change to persons' records asks for their rescoring (`rescore-person/{personId}`). */
export function requestRescoring(personIds: string[], reason: string): Promise<void> {
  return scoring.requestRescoring({ personIds, reason });
}
