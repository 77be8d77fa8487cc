import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/common';
import { AGREEMENT_IN_FORCE, AGREEMENT_NOT_FOUND, AGREEMENT_TEXT_OUTDATED, AGREEMENT_VERSION_TAKEN } from '../workflows/agreement/contract';
import {
  AGREEMENT_REQUIRED,
  AUTHORIZATION_CLOSED,
  PURPOSE_NOT_PUBLISHED,
  REQUESTER_NOT_FOUND,
  REQUESTER_NOT_REGISTERED,
  SCENARIO_NOT_IN_PURPOSE,
} from '../workflows/authorization/contract';
import { CALENDAR_YEAR_UNAVAILABLE } from '../workflows/calendar/contract';
import { INCENTIVE_OWNED_ELSEWHERE } from '../workflows/incentive/contract';
import {
  DECLARED_BEFORE_ADULTHOOD,
  DECLARATION_CLOSED,
  DECLARATION_DUPLICATE,
  DECLARATION_OPEN,
  NOT_DECLARABLE,
  VERIFIER_NOT_FOUND,
} from '../workflows/declaration/contract';
import {
  CORRECTION_REFUSED,
  OBJECTION_CLOSED,
  OBJECTION_OPEN,
} from '../workflows/objection/contract';
import { INVALID_RECORD, OBLIGATION_CLOSED } from '../workflows/records/contract';
import {
  COMMITMENT_MISSING,
  NOT_AWAITING_PERFORMANCE,
  NOT_AWAITING_SUPPLEMENT,
  REPAIR_CLOSED,
  REPAIR_INELIGIBLE,
  REPAIR_OPEN,
  ROUTE_NOT_OPEN,
} from '../workflows/repair/contract';
import { COMMENT_CLOSED, COMMENT_PERIOD_OPEN, INVALID_MODEL_TRANSITION, MODEL_NOT_FOUND } from '../workflows/scoring/contract';
import { INVALID_DATA, INVALID_DECISION, NOT_THE_APPLICANT, PERSON_NOT_FOUND, RECORD_NOT_FOUND, TASK_CLOSED, TASK_FORBIDDEN, type RefusalDetail } from '../workflows/shared/contract';
import { ApiError } from './errors';

/**
 * The one map from what a workflow, an Update or an activity refused to the HTTP answer
 * (STYLE.md "Errors are values at the edge"). A refusal is named by its failure type in the
 * process's contract; its message and field pass through. Anything not named here is not a
 * refusal but a fault, and stays a 500 that is logged.
 */
const ANSWERS: Record<string, { status: number; code: string }> = {
  [INVALID_RECORD]: { status: 422, code: 'invalid-record' },
  [OBLIGATION_CLOSED]: { status: 409, code: 'obligation-closed' },
  [TASK_FORBIDDEN]: { status: 403, code: 'forbidden' },
  [TASK_CLOSED]: { status: 409, code: 'task-closed' },
  [INVALID_DECISION]: { status: 422, code: 'invalid-decision' },
  [OBJECTION_OPEN]: { status: 409, code: 'objection-open' },
  [OBJECTION_CLOSED]: { status: 409, code: 'objection-closed' },
  [NOT_THE_APPLICANT]: { status: 403, code: 'forbidden' },
  [RECORD_NOT_FOUND]: { status: 404, code: 'not-found' },
  [PERSON_NOT_FOUND]: { status: 404, code: 'not-found' },
  [CORRECTION_REFUSED]: { status: 422, code: 'invalid-correction' },
  [DECLARATION_DUPLICATE]: { status: 409, code: 'duplicate-record' },
  [DECLARATION_OPEN]: { status: 409, code: 'declaration-open' },
  [DECLARATION_CLOSED]: { status: 409, code: 'declaration-closed' },
  [NOT_DECLARABLE]: { status: 422, code: 'not-declarable' },
  [VERIFIER_NOT_FOUND]: { status: 422, code: 'unknown-verifier' },
  [DECLARED_BEFORE_ADULTHOOD]: { status: 422, code: 'out-of-scope' },
  [REPAIR_INELIGIBLE]: { status: 422, code: 'repair-ineligible' },
  [ROUTE_NOT_OPEN]: { status: 422, code: 'route-not-open' },
  [COMMITMENT_MISSING]: { status: 422, code: 'commitment-missing' },
  [REPAIR_OPEN]: { status: 409, code: 'repair-open' },
  [NOT_AWAITING_PERFORMANCE]: { status: 409, code: 'not-awaiting-performance' },
  [NOT_AWAITING_SUPPLEMENT]: { status: 409, code: 'not-awaiting-supplement' },
  [REPAIR_CLOSED]: { status: 409, code: 'repair-closed' },
  [AGREEMENT_TEXT_OUTDATED]: { status: 422, code: 'agreement-text-outdated' },
  [AGREEMENT_IN_FORCE]: { status: 409, code: 'agreement-in-force' },
  [AGREEMENT_VERSION_TAKEN]: { status: 409, code: 'agreement-version-taken' },
  [AGREEMENT_NOT_FOUND]: { status: 404, code: 'not-found' },
  [REQUESTER_NOT_FOUND]: { status: 422, code: 'unknown-requester' },
  [PURPOSE_NOT_PUBLISHED]: { status: 422, code: 'purpose-not-published' },
  [SCENARIO_NOT_IN_PURPOSE]: { status: 422, code: 'scenario-not-in-purpose' },
  [REQUESTER_NOT_REGISTERED]: { status: 422, code: 'requester-not-registered' },
  [AGREEMENT_REQUIRED]: { status: 403, code: 'agreement-required' },
  [AUTHORIZATION_CLOSED]: { status: 409, code: 'authorization-closed' },
  [INCENTIVE_OWNED_ELSEWHERE]: { status: 403, code: 'forbidden' },
  [MODEL_NOT_FOUND]: { status: 404, code: 'not-found' },
  [INVALID_MODEL_TRANSITION]: { status: 409, code: 'invalid-transition' },
  [COMMENT_PERIOD_OPEN]: { status: 409, code: 'comment-period-open' },
  [COMMENT_CLOSED]: { status: 409, code: 'comment-closed' },
  [CALENDAR_YEAR_UNAVAILABLE]: { status: 422, code: 'calendar-year-unavailable' },
  // What the storable-text guard lets through and Postgres still refuses: the request is refused, the process goes on as it was.
  [INVALID_DATA]: { status: 422, code: 'unstorable-input' },
};

/** The refusal inside what a client call threw: an Update's, a workflow's, or an activity's or child's within it. */
function refusalIn(error: unknown): ApplicationFailure | undefined {
  let cause: unknown = error instanceof WorkflowUpdateFailedError || error instanceof WorkflowFailedError ? error.cause : undefined;
  while (cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) cause = cause.cause;
  return cause instanceof ApplicationFailure ? cause : undefined;
}

/** The request's refusal a client call's failure carries (an application failure naming the input field), if it is one. */
export function refusalOf(error: unknown): ApplicationFailure | undefined {
  const failure = refusalIn(error);
  const detail = failure?.details?.[0] as Partial<RefusalDetail> | undefined;
  return typeof detail?.field === 'string' ? failure : undefined;
}

/** Why a workflow failed, as its innermost failure says: the refusal or fault that ended it. */
export function failureReason(error: unknown): string | undefined {
  let cause: unknown = error instanceof WorkflowFailedError ? error.cause : undefined;
  while ((cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) && cause.cause) cause = cause.cause;
  return cause instanceof Error ? cause.message : undefined;
}

/** What the API answers for an error of a call to Temporal: a 4xx for a refusal or a missing process, else the error itself. */
export function answerFor(error: unknown, notFound: { message: string; field: string }): unknown {
  if (error instanceof WorkflowNotFoundError) return new ApiError(404, 'not-found', notFound.message, notFound.field);
  const failure = refusalIn(error);
  const answer = failure?.type ? ANSWERS[failure.type] : undefined;
  if (!failure || !answer) return error;
  const detail = failure.details?.[0] as Partial<RefusalDetail> | undefined;
  return new ApiError(answer.status, answer.code, failure.message, detail?.field);
}

/**
 * Runs a call to Temporal (a start, an Update, a query, a workflow's result) with the failure
 * map: every route that talks to Temporal goes through here.
 */
export async function throughTemporal<T>(call: () => Promise<T>, notFound: { message: string; field: string }): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw answerFor(error, notFound);
  }
}
