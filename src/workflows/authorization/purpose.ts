import { proxyActivities } from '@temporalio/workflow';
import type { AuthorizationActivities } from '../../activities/authorization';
import { requestedStepOptions } from '../shared/activity-options';
import type { PurposeChange, PurposeChangeOutcome } from './contract';

const authorizations = proxyActivities<AuthorizationActivities>(requestedStepOptions);

/**
 * Art. 12, 15, 18: NDRC changes the catalogue of query purposes, a version published or a
 * requester registered, in force from now. Workflow id `query-purpose/{code}/{changeId}`.
 */
export async function queryPurposeWorkflow(change: PurposeChange): Promise<PurposeChangeOutcome> {
  return authorizations.changePurpose({ ...change, at: new Date().toISOString() });
}
