import type { SharerKind } from '../../domain/record';
import { partyWording, workflowSummary } from '../shared/contract';

/** The registry of sharers: public credit information management entities (Art. 10) and market providers. */

export const agencyRegistrationWorkflowType = 'agencyRegistrationWorkflow';

/** Each registration request is a workflow of its own. */
export function agencyRegistrationWorkflowId(agencyId: string, requestId: string): string {
  return `agency/${agencyId}/${requestId}`;
}

export function agencyRegistrationSummary(registration: Pick<AgencyRegistration, 'id' | 'kind'>): string {
  return workflowSummary({ zh: '登记', en: 'Registration' }, partyWording({ role: registration.kind, agencyId: registration.id }));
}

export interface AgencyRegistration {
  id: string;
  name: string;
  /** Sharers (agencies, market providers) and requesters, who read under persons' authorizations (Art. 15). */
  kind: SharerKind | 'requester';
  registeredBy: string;
}

export type AgencyRegistrationWorkflow = (registration: AgencyRegistration) => Promise<void>;
