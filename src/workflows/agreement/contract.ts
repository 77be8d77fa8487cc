import type { AgreementChannel } from '../../domain/agreement';
import { workflowSummary, type RefusalAnswers } from '../shared/contract';

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

export const agreementTextWorkflowType = 'agreementTextWorkflow';

/** A version of the agreement's text is published once: `agreement-text/{version}`. */
export function agreementTextWorkflowId(version: string): string {
  return `agreement-text/${version}`;
}

export function agreementTextSummary(): string {
  return workflowSummary({ zh: '发布信用信息归集、应用授权协议文本', en: 'Agreement text published' });
}

/**
 * NDRC publishes a new version of the agreement's text (Art. 7). One that needs new consent stops
 * every agreement signed before it until the person signs it; one that does not leaves them in force.
 */
export interface AgreementTextPublication {
  version: string;
  text: string;
  requiresNewConsent: boolean;
  publishedBy: string;
}

export interface PublishedAgreementText {
  version: string;
  publishedAt: string;
  requiresNewConsent: boolean;
  /** The version it replaced as the one in force. */
  retired: string | null;
}

export type AgreementTextWorkflow = (publication: AgreementTextPublication) => Promise<PublishedAgreementText>;

/** A version of that name is published already, with another text. */
export const AGREEMENT_VERSION_TAKEN = 'AgreementVersionTaken';

/** The text signed is not the version in force: the person must be shown the current one. */
export const AGREEMENT_TEXT_OUTDATED = 'AgreementTextOutdated';
/** The person has an agreement in force already; the message names it. */
export const AGREEMENT_IN_FORCE = 'AgreementInForce';
/** No such agreement of the person. */
export const AGREEMENT_NOT_FOUND = 'AgreementNotFound';

/** How the API answers each refusal of this process (src/api/workflow-failures.ts). */
export const AGREEMENT_REFUSALS: RefusalAnswers = {
  [AGREEMENT_TEXT_OUTDATED]: { status: 422, code: 'agreement-text-outdated' },
  [AGREEMENT_IN_FORCE]: { status: 409, code: 'agreement-in-force' },
  [AGREEMENT_VERSION_TAKEN]: { status: 409, code: 'agreement-version-taken' },
  [AGREEMENT_NOT_FOUND]: { status: 404, code: 'not-found' },
};
