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
 * Why Postgres refused data for good, naming the SQLSTATE and the constraint, never the data (the
 * message of a data exception can quote the value); undefined for any other error. Read by shape:
 * an error from a chunk thread arrives as a copy, not a pg.DatabaseError.
 */
export function refusedForGood(error: unknown): string | undefined {
  const { code, severity, constraint } = (error ?? {}) as { code?: unknown; severity?: unknown; constraint?: unknown };
  if (typeof code !== 'string' || typeof severity !== 'string' || !isPermanent(code)) return undefined;
  return `Postgres refused the data for good (SQLSTATE ${code}${typeof constraint === 'string' ? `, constraint ${constraint}` : ''})`;
}

/** A unique violation: a concurrent writer stored the same key first, and a retry finds its row. */
export function isUniqueViolation(error: unknown): boolean {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  return code === '23505' && typeof severity === 'string';
}

/**
 * Ends the attempts at once when an activity hands Postgres data it refuses for good, instead of
 * retrying it forever (refusedForGood).
 */
export const permanentFailures: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (error) {
        const refused = refusedForGood(error);
        if (refused === undefined) throw error;
        throw ApplicationFailure.create({ type: INVALID_DATA, nonRetryable: true, message: refused });
      }
    },
  } satisfies ActivityInboundCallsInterceptor,
});
