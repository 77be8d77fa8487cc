import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { PurposeVersion } from '../../domain/authorization';
import { partyWording, workflowSummary, type RefusalAnswers } from '../shared/contract';

/** Authorizations (Art. 15, 18): a person grants a requester a scoped, expiring read; revocable at once. */

export const authorizationWorkflowType = 'authorizationWorkflow';

export function authorizationWorkflowId(authorizationId: string): string {
  return `authorization/${authorizationId}`;
}

export function authorizationSummary(requesterId: string, purpose: string): string {
  return workflowSummary({ zh: '查询授权', en: 'Authorization' }, partyWording({ role: 'requester', agencyId: requesterId }), { zh: purpose, en: purpose });
}

export interface AuthorizationInput {
  authorizationId: string;
  personId: string;
  /** A registered organisation of kind requester. */
  requesterId: string;
  /** A purpose of the catalogue in force, for which the requester is registered. */
  purpose: string;
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
/** The purpose is not in the catalogue NDRC publishes, or was withdrawn. */
export const PURPOSE_NOT_PUBLISHED = 'PurposeNotPublished';
/** The purpose does not read the scenario asked for. */
export const SCENARIO_NOT_IN_PURPOSE = 'ScenarioNotInPurpose';
/** The requester is not registered for the purpose. */
export const REQUESTER_NOT_REGISTERED = 'RequesterNotRegistered';
/** The person has no collection-and-use agreement in force (Art. 7): nothing may be authorized. */
export const AGREEMENT_REQUIRED = 'AgreementRequired';
/** The authorization has already ended. */
export const AUTHORIZATION_CLOSED = 'AuthorizationClosed';

export const queryPurposeWorkflowType = 'queryPurposeWorkflow';

/** One change of the catalogue of purposes, `query-purpose/{code}/{changeId}`. */
export function queryPurposeWorkflowId(code: string, changeId: string): string {
  return `query-purpose/${code}/${changeId}`;
}

export function queryPurposeSummary(code: string): string {
  return workflowSummary({ zh: '查询用途目录', en: 'Query purposes' }, { zh: code, en: code });
}

/**
 * Art. 12, 15, 18: NDRC publishes a new version of a purpose (or withdraws it), or registers a
 * requester for it or ends that registration.
 */
export type PurposeChange =
  | ({ kind: 'publish'; code: string; changedBy: string } & PurposeVersion)
  | { kind: 'register'; code: string; requesterId: string; registered: boolean; changedBy: string };

export type PublishedPurpose = { code: string; version: number; publishedAt: string };
export type PurposeRegistration = { code: string; requesterId: string; registered: boolean };
export type PurposeChangeOutcome = PublishedPurpose | PurposeRegistration;

export type QueryPurposeWorkflow = (change: PurposeChange) => Promise<PurposeChangeOutcome>;

/** How the API answers each refusal of this process (src/api/workflow-failures.ts). */
export const AUTHORIZATION_REFUSALS: RefusalAnswers = {
  [REQUESTER_NOT_FOUND]: { status: 422, code: 'unknown-requester' },
  [PURPOSE_NOT_PUBLISHED]: { status: 422, code: 'purpose-not-published' },
  [SCENARIO_NOT_IN_PURPOSE]: { status: 422, code: 'scenario-not-in-purpose' },
  [REQUESTER_NOT_REGISTERED]: { status: 422, code: 'requester-not-registered' },
  [AGREEMENT_REQUIRED]: { status: 403, code: 'agreement-required' },
  [AUTHORIZATION_CLOSED]: { status: 409, code: 'authorization-closed' },
};
