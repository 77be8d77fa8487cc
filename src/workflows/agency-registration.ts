import { proxyActivities } from '@temporalio/workflow';
import type { AgencyActivities } from '../activities/agencies';

const agencies = proxyActivities<AgencyActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export interface AgencyRegistration {
  id: string;
  name: string;
  /** `agency`: a public credit information management entity (Art. 10); `provider`: a market provider. */
  kind: 'agency' | 'provider';
  registeredBy: string;
}

/** An admin registers (or renames) an agency or market provider. Workflow id `agency/{id}/{requestId}`. */
export async function agencyRegistrationWorkflow(registration: AgencyRegistration): Promise<void> {
  await agencies.registerAgency(registration);
}
