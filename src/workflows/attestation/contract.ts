import { workflowSummary } from '../shared/contract';

/** Attestations (Art. 19): other cities recognise Jinan's score, and Jinan recognises partner cities'. */

export const partnerCityWorkflowType = 'partnerCityWorkflow';

/** Each registration of a partner city is a workflow of its own. */
export function partnerCityWorkflowId(partnerId: string, requestId: string): string {
  return `partner-city/${partnerId}/${requestId}`;
}

export function partnerCitySummary(partnerId: string): string {
  return workflowSummary({ zh: '互认城市登记', en: 'Partner city registration' }, { zh: partnerId, en: partnerId });
}

export interface PartnerCityRegistration {
  id: string;
  name: string;
  issuer: string;
  jwks: { keys: Record<string, unknown>[] };
  /** Their level -> our base level. */
  levelMapping: Record<string, string>;
  registeredBy: string;
}

export type PartnerCityWorkflow = (registration: PartnerCityRegistration) => Promise<void>;
