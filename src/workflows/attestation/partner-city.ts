import { proxyActivities } from '@temporalio/workflow';
import type { AttestationActivities } from '../../activities/attestation';
import { requestedStepOptions } from '../shared/activity-options';
import type { PartnerCityRegistration } from './contract';

const attestations = proxyActivities<AttestationActivities>(requestedStepOptions);

/**
 * Art. 19: an admin registers (or updates) a partner city whose attestations Jinan recognises:
 * its issuer, its public keys, how its levels map onto ours. Workflow id `partner-city/{id}/{requestId}`.
 */
export async function partnerCityWorkflow(registration: PartnerCityRegistration): Promise<void> {
  await attestations.registerPartnerCity(registration);
}
