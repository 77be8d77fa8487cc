import { proxyActivities } from '@temporalio/workflow';
import type { IncentiveActivities } from '../../activities/incentive';
import { requestedStepOptions } from '../shared/activity-options';
import type { IncentiveDefinitionChange } from './contract';

const incentives = proxyActivities<IncentiveActivities>(requestedStepOptions);

/**
 * Art. 17: an agency defines (or redefines) an incentive it implements; the definition becomes
 * the next version. Workflow id `incentive/{id}/{definitionId}`.
 */
export async function incentiveDefinitionWorkflow(change: IncentiveDefinitionChange): Promise<{ version: number }> {
  return incentives.defineIncentive(change);
}
