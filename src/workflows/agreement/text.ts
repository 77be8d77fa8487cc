import { proxyActivities } from '@temporalio/workflow';
import type { AgreementActivities } from '../../activities/agreement';
import { requestedStepOptions } from '../shared/activity-options';
import type { AgreementTextPublication, PublishedAgreementText } from './contract';

const agreements = proxyActivities<AgreementActivities>(requestedStepOptions);

/**
 * Art. 7: NDRC publishes a new version of the collection-and-use agreement's text, in force from
 * now; the previous one is retired. Workflow id `agreement-text/{version}`.
 */
export async function agreementTextWorkflow(publication: AgreementTextPublication): Promise<PublishedAgreementText> {
  return agreements.publishAgreementText({ ...publication, at: new Date().toISOString() });
}
