import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Purpose } from '../../domain/authorization';
import { partyWording, workflowSummary, type Wording } from '../shared/contract';

/** Authorizations (Art. 15, 18): a person grants a requester a scoped, expiring read; revocable at once. */

export const authorizationWorkflowType = 'authorizationWorkflow';

export function authorizationWorkflowId(authorizationId: string): string {
  return `authorization/${authorizationId}`;
}

const PURPOSE_WORDS: Record<Purpose, Wording> = {
  lending: { zh: '信贷', en: 'lending' },
  employment: { zh: '就业', en: 'employment' },
  tenancy: { zh: '租赁', en: 'tenancy' },
};

export function authorizationSummary(requesterId: string, purpose: Purpose): string {
  return workflowSummary({ zh: '查询授权', en: 'Authorization' }, partyWording({ role: 'requester', agencyId: requesterId }), PURPOSE_WORDS[purpose]);
}

export interface AuthorizationInput {
  authorizationId: string;
  personId: string;
  /** A registered organisation of kind requester. */
  requesterId: string;
  purpose: Purpose;
  scenario: string;
  /** The instant it ends by itself (ISO 8601). */
  validUntil: string;
  grantedBy: string;
}

/** `active` until `validUntil` (then `expired`) or a revocation (`revoked`); `refused` if never granted. */
export interface AuthorizationView {
  state: 'active' | 'expired' | 'revoked' | 'refused';
  validUntil: string;
}

export type AuthorizationWorkflow = (input: AuthorizationInput) => Promise<AuthorizationView>;

/** Answers once the authorization is granted, or fails with the refusal (update-with-start). */
export const grantAuthorizationUpdate = defineUpdate<AuthorizationView>('grantAuthorization');
/** The person revokes it; from the answer on, no query under it is answered. */
export const revokeAuthorizationUpdate = defineUpdate<AuthorizationView, [{ personId: string }]>('revokeAuthorization');
export const authorizationQuery = defineQuery<AuthorizationView>('authorization');

/** The requester named is not a registered requester. */
export const REQUESTER_NOT_FOUND = 'RequesterNotFound';
/** The person has no collection-and-use agreement in force (Art. 7): nothing may be authorized. */
export const AGREEMENT_REQUIRED = 'AgreementRequired';
/** The authorization has already ended. */
export const AUTHORIZATION_CLOSED = 'AuthorizationClosed';
