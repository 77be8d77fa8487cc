import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { INVALID_DATA } from '../../workflows/shared/contract';

/**
 * Postgres errors that no retry can change: a data exception (class 22: a value out of range,
 * text it cannot store) or an integrity violation (class 23), except a unique violation, which
 * a concurrent writer causes and a retry resolves by finding that writer's row.
 */
function isPermanent(code: string): boolean {
  return (code.startsWith('22') || code.startsWith('23')) && code !== '23505';
}

/**
 * Ends the attempts at once when an activity hands Postgres data it refuses for good, instead of
 * retrying it forever. The failure names the SQLSTATE and the constraint, never the data (the
 * message of a data exception can quote the value).
 */
export const permanentFailures: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (error) {
        // Read by shape: an error from a chunk thread arrives as a copy, not a pg.DatabaseError.
        const { code, severity, constraint } = error as { code?: unknown; severity?: unknown; constraint?: unknown };
        if (typeof code !== 'string' || typeof severity !== 'string' || !isPermanent(code)) throw error;
        throw ApplicationFailure.create({
          type: INVALID_DATA,
          nonRetryable: true,
          message: `Postgres refused the data for good (SQLSTATE ${code}${typeof constraint === 'string' ? `, constraint ${constraint}` : ''})`,
        });
      }
    },
  } satisfies ActivityInboundCallsInterceptor,
});
