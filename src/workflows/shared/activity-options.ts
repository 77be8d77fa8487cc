import type { Duration } from '@temporalio/common';
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/**
 * The activity options every process proxies its activities with, by what the activity does.
 * Retries are unlimited unless a caller waits: a legal clock must not stop because Postgres was
 * briefly away. A failure no retry can change (bad data, a refusal) is thrown non-retryable by
 * the activity and ends the attempts at once.
 */
const UNTIL_DONE = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;

/** A few statements in one transaction. */
export const databaseStepOptions: ActivityOptions = { startToCloseTimeout: '1 minute', retry: UNTIL_DONE };

/**
 * A few statements run as a local activity, in the worker running the workflow without a round
 * trip through the server: for the bookkeeping around a run (open it, plan its ranges, sum it
 * up), where the round trips, not the statements, were most of a quiet night's time.
 */
export const localDatabaseStepOptions: LocalActivityOptions = { startToCloseTimeout: '1 minute', retry: UNTIL_DONE };

/**
 * A step of a workflow whose caller waits for its result (an admin registering an agency, the
 * institution changing a model): it gives up after about ten minutes instead of holding the
 * request forever.
 */
export const requestedStepOptions: ActivityOptions = { startToCloseTimeout: '1 minute', retry: { ...UNTIL_DONE, maximumAttempts: 10 } };

/**
 * Many rows at once (a chunk of bulk intake, a batch's persons): well under a minute, with room
 * for a busy database. The activity heartbeats while it works, so a step whose worker died is
 * taken over after 30 seconds, not after the ten minutes of room. Such work goes through the task
 * queue to whichever worker polls first, not eagerly back to the worker running the workflow, so
 * it spreads over every worker. (Short steps stay eager: each saves a round trip, a tenth of a
 * second on the event path.)
 */
export const bulkStepOptions: ActivityOptions = heartbeatingStepOptions('30 seconds', '10 minutes');

/**
 * Long work that heartbeats its progress (a rescoring range, signalling every open clock): when a
 * worker stops heartbeating, the work is retried elsewhere after `heartbeatTimeout`. Spread over
 * every worker, like bulk steps.
 */
export function heartbeatingStepOptions(heartbeatTimeout: Duration, startToCloseTimeout: Duration = '30 minutes'): ActivityOptions {
  return { startToCloseTimeout, heartbeatTimeout, retry: UNTIL_DONE, allowEagerDispatch: false };
}

/**
 * One statement over the whole city (a draft's impact): minutes at a million persons, with no
 * point inside it to heartbeat from; retried until done, like every step.
 */
export const cityWideStepOptions: ActivityOptions = { startToCloseTimeout: '30 minutes', retry: UNTIL_DONE, allowEagerDispatch: false };
