import type { AgreementChannel } from '../../domain/agreement';
import { workflowSummary } from '../shared/contract';

/** The collection-and-use agreement (Art. 7): a person signs it by real name, and may revoke it. */

export const agreementWorkflowType = 'agreementWorkflow';

/** Signing is `agreement/{id}`; its revocation `agreement/{id}/revocation`. */
export function agreementWorkflowId(agreementId: string, change: AgreementChange['kind']): string {
  return change === 'sign' ? `agreement/${agreementId}` : `agreement/${agreementId}/revocation`;
}

export function agreementSummary(change: AgreementChange['kind']): string {
  return workflowSummary({ zh: '信用信息归集、应用授权协议', en: 'Collection-and-use agreement' }, change === 'sign' ? { zh: '签署', en: 'signing' } : { zh: '撤回', en: 'revocation' });
}

export type AgreementChange =
  | { kind: 'sign'; agreementId: string; personId: string; textVersion: string; channel: AgreementChannel; assurance: string; by: string }
  | { kind: 'revoke'; agreementId: string; personId: string; channel: AgreementChannel; by: string };

export interface AgreementOutcome {
  agreementId: string;
  textVersion: string;
  signedAt: string;
  revokedAt: string | null;
}

export type AgreementWorkflow = (change: AgreementChange) => Promise<AgreementOutcome>;

/** The text signed is not the version in force: the person must be shown the current one. */
export const AGREEMENT_TEXT_OUTDATED = 'AgreementTextOutdated';
/** The person has an agreement in force already; the message names it. */
export const AGREEMENT_IN_FORCE = 'AgreementInForce';
/** No such agreement of the person. */
export const AGREEMENT_NOT_FOUND = 'AgreementNotFound';
