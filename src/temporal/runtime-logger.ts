import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { DefaultLogger, type LogLevel, type LogMetadata } from '@temporalio/worker';

/** Whether an error, or the failure it was caused by, is benign: a request's refusal, an expected outcome. */
function isBenign(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth += 1) {
    if (cause instanceof ApplicationFailure && cause.category === ApplicationFailureCategory.BENIGN) return true;
  }
  return false;
}

/**
 * The SDK's logger for a worker process: a refusal is an expected outcome, not a failure, so a
 * workflow ended by refusing its caller's request (which the API answers, and logs once, as a
 * 4xx) is not logged again with its stack; the SDK already logs a benign activity failure at debug.
 * Faults keep their level and stack.
 */
export function runtimeLogger(level: LogLevel): DefaultLogger {
  const printed = new DefaultLogger(level);
  return new DefaultLogger(level, (entry) => {
    const meta = entry.meta as { error?: unknown; refusal?: unknown } | undefined;
    // A run's own failure arrives from the workflow's thread without its category: the run marks it (src/workflows/shared/failures-recorded.ts).
    if (entry.message === 'Workflow failed' && (meta?.refusal === true || isBenign(meta?.error))) return;
    printed.log(entry.level as LogLevel, entry.message, entry.meta as LogMetadata);
  });
}
