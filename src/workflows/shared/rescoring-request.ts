import { proxyActivities } from '@temporalio/workflow';
import type { RescoringRequestActivities } from '../../activities/shared/rescoring-requests';
import { databaseStepOptions } from './activity-options';

const rescoring = proxyActivities<RescoringRequestActivities>(databaseStepOptions);

/** Art. 6: a change to persons' records asks for their rescoring (`rescore-person/{personId}`). */
export function requestRescoring(personIds: string[], reason: string): Promise<void> {
  return rescoring.requestRescoring({ personIds, reason });
}
