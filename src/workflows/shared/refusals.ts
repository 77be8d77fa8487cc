import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TemporalFailure } from '@temporalio/workflow';
import type { RefusalDetail } from './contract';

/** The refusal an activity failed with: a failure no retry changes (a rule broken, data Postgres refuses for good), else undefined. */
export function refusalOf(error: unknown): ApplicationFailure | undefined {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable ? error.cause : undefined;
}

/** The innermost failure of an activity's or a child's failure: the one that says what happened. */
export function innermostFailure(failure: TemporalFailure): TemporalFailure {
  let cause: TemporalFailure = failure;
  while ((cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) && cause.cause instanceof TemporalFailure) cause = cause.cause;
  return cause;
}

/**
 * Whether a failure is a request's refusal (made by `refusal()`, naming the input it is about),
 * which its caller receives as a 4xx: the answer to a request, not a process in trouble.
 */
export function isRequestRefusal(failure: TemporalFailure): boolean {
  const innermost = innermostFailure(failure);
  const detail = innermost instanceof ApplicationFailure ? (innermost.details?.[0] as Partial<RefusalDetail> | undefined) : undefined;
  return typeof detail?.field === 'string';
}
