import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import type pg from 'pg';

/** From this attempt on, an activity still failing is listed for supervisors: retrying is never silent. */
export const NOTED_FROM_ATTEMPT = 4;

/** A failure as supervisors may read it: a Postgres error by its SQLSTATE only (its message can quote data), anything else by its message. */
function describeFailure(error: unknown): string {
  const { code, severity, name, message } = error as { code?: unknown; severity?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string' && typeof severity === 'string') return `Postgres error (SQLSTATE ${code})`;
  return `${typeof name === 'string' ? name : 'Error'}: ${typeof message === 'string' ? message.slice(0, 300) : ''}`.toWellFormed();
}

/**
 * Keeps `activity_retries` current (DESIGN.md "Processes in trouble are visible"): an activity
 * of a workflow failing from its fourth attempt on has a row, updated at each failure, removed
 * once an attempt succeeds. Best effort: when Postgres itself is what fails, the outage shows
 * elsewhere (the API's 503s and /health), and the row is written at the next failure it can be.
 */
export function activityRetries(pool: pg.Pool): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const { attempt, activityId, activityType, workflowExecution, workflowType } = ctx.info;
        if (!workflowExecution) return next(input);
        try {
          const result = await next(input);
          if (attempt >= NOTED_FROM_ATTEMPT) {
            await pool.query('DELETE FROM activity_retries WHERE workflow_id = $1 AND activity_id = $2', [workflowExecution.workflowId, activityId]).catch(() => undefined);
          }
          return result;
        } catch (error) {
          if (attempt >= NOTED_FROM_ATTEMPT) {
            await pool
              .query(
                `INSERT INTO activity_retries (workflow_id, activity_id, workflow_type, activity_type, attempt, last_failure, first_failed_at, last_failed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, now(), now())
                 ON CONFLICT (workflow_id, activity_id) DO UPDATE SET attempt = EXCLUDED.attempt, last_failure = EXCLUDED.last_failure, last_failed_at = now()`,
                [workflowExecution.workflowId, activityId, workflowType ?? 'unknown', activityType, attempt, describeFailure(error)],
              )
              .catch(() => undefined);
          }
          throw error;
        }
      },
    } satisfies ActivityInboundCallsInterceptor,
  });
}
