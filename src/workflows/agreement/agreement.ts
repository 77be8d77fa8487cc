import { proxyActivities } from '@temporalio/workflow';
import type { AgreementActivities } from '../../activities/agreement';
import { requestedStepOptions } from '../shared/activity-options';
import type { AgreementChange, AgreementOutcome } from './contract';

const agreements = proxyActivities<AgreementActivities>(requestedStepOptions);

/**
 * Art. 7: a person signs the collection-and-use agreement, or revokes it; from the revocation on
 * no score of theirs leaves the platform. Workflow id `agreement/{id}` or `agreement/{id}/revocation`.
 */
export async function agreementWorkflow(change: AgreementChange): Promise<AgreementOutcome> {
  const at = new Date().toISOString();
  return change.kind === 'sign' ? agreements.signAgreement({ ...change, at }) : agreements.revokeAgreement({ ...change, at });
}
