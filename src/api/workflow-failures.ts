import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/common';
import { AGREEMENT_REFUSALS } from '../workflows/agreement/contract';
import { AUTHORIZATION_REFUSALS } from '../workflows/authorization/contract';
import { CALENDAR_REFUSALS } from '../workflows/calendar/contract';
import { DECLARATION_REFUSALS } from '../workflows/declaration/contract';
import { INCENTIVE_REFUSALS } from '../workflows/incentive/contract';
import { OBJECTION_REFUSALS } from '../workflows/objection/contract';
import { RECORD_REFUSALS } from '../workflows/records/contract';
import { REPAIR_REFUSALS } from '../workflows/repair/contract';
import { SCORING_REFUSALS } from '../workflows/scoring/contract';
import { SHARED_REFUSALS, type RefusalAnswers, type RefusalDetail } from '../workflows/shared/contract';
import { ApiError } from './errors';

/**
 * The one map from what a workflow, an Update or an activity refused to the HTTP answer
 * (STYLE.md "Errors are values at the edge"), assembled from the table each process's contract
 * declares beside its refusals; a refusal's message and field pass through. Anything not named here is not a
 * refusal but a fault, and stays a 500 that is logged.
 */
const ANSWERS: RefusalAnswers = {
  ...RECORD_REFUSALS,
  ...SHARED_REFUSALS,
  ...OBJECTION_REFUSALS,
  ...DECLARATION_REFUSALS,
  ...REPAIR_REFUSALS,
  ...AGREEMENT_REFUSALS,
  ...AUTHORIZATION_REFUSALS,
  ...INCENTIVE_REFUSALS,
  ...SCORING_REFUSALS,
  ...CALENDAR_REFUSALS,
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
