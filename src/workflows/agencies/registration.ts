import { proxyActivities } from '@temporalio/workflow';
import type { AgencyActivities } from '../../activities/agencies';
import { requestedStepOptions } from '../shared/activity-options';
import type { AgencyRegistration } from './contract';

const agencies = proxyActivities<AgencyActivities>(requestedStepOptions);

/** An admin registers (or renames) an agency or market provider. Workflow id `agency/{id}/{requestId}`. */
export async function agencyRegistrationWorkflow(registration: AgencyRegistration): Promise<void> {
  await agencies.registerAgency(registration);
}
