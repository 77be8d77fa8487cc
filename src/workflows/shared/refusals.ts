import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The refusal an activity failed with: a failure no retry changes (a rule broken, data Postgres refuses for good), else undefined. */
export function refusalOf(error: unknown): ApplicationFailure | undefined {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable ? error.cause : undefined;
}
