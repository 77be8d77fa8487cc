import type { IncentiveDefinition } from '../../domain/incentive';
import { partyWording, workflowSummary, type RefusalAnswers } from '../shared/contract';

/** Incentives (Art. 12, 16, 17): an agency defines the incentives it implements, as versioned data. */

export const incentiveDefinitionWorkflowType = 'incentiveDefinitionWorkflow';

export function incentiveDefinitionWorkflowId(incentiveId: string, definitionId: string): string {
  return `incentive/${incentiveId}/${definitionId}`;
}

export function incentiveDefinitionSummary(incentiveId: string, ownerAgency: string): string {
  return workflowSummary({ zh: '激励措施定义', en: 'Incentive definition' }, { zh: incentiveId, en: incentiveId }, partyWording({ role: 'agency', agencyId: ownerAgency }));
}

export interface IncentiveDefinitionChange {
  definitionId: string;
  incentiveId: string;
  ownerAgency: string;
  definition: IncentiveDefinition;
  definedBy: string;
}

export type IncentiveDefinitionWorkflow = (change: IncentiveDefinitionChange) => Promise<{ version: number }>;

/** The incentive belongs to another agency: only its owner redefines it. */
export const INCENTIVE_OWNED_ELSEWHERE = 'IncentiveOwnedElsewhere';

/** How the API answers each refusal of this process (src/api/workflow-failures.ts). */
export const INCENTIVE_REFUSALS: RefusalAnswers = {
  [INCENTIVE_OWNED_ELSEWHERE]: { status: 403, code: 'forbidden' },
};
