import {
  ApplicationFailure,
  isCancellation,
  patched,
  proxyActivities,
  TemporalFailure,
  workflowInfo,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import type { ProcessFailureActivities } from '../../activities/shared/process-failures';
import { storableEcho } from '../../domain/storable-text';
import { databaseStepOptions } from './activity-options';
import { innermostFailure, isRequestRefusal } from './refusals';

const failures = proxyActivities<ProcessFailureActivities>(databaseStepOptions);

/** 0.3.0: a workflow failing for good records it first. A 0.2.0 failure replays as it ran. */
const FAILURES_RECORDED = 'process-failures-recorded';

/** Why the workflow failed, as its innermost failure says: `InvalidData: Postgres refused the data for good (SQLSTATE 22P02)`. */
function reasonOf(failure: TemporalFailure): string {
  const innermost = innermostFailure(failure);
  const type = innermost instanceof ApplicationFailure && innermost.type ? `${innermost.type}: ` : '';
  return storableEcho(`${type}${innermost.message}`).slice(0, 1000);
}

/**
 * No ghost processes (DESIGN.md "Processes in trouble are visible"): a workflow that fails for
 * good (a failure no retry changes, which ends the run) first records so, so that its view, the
 * SLA report and the board show it failed, never open, and its tasks leave the inbox. A request's
 * refusal (a one-shot workflow refusing what its caller asked, answered as a 4xx) is an answer,
 * not a failure; nor are continue-as-new and cancellation. A failure of workflow code itself (a
 * bug) fails its workflow task instead, retried and listed for supervisors by the server.
 */
class FailuresRecorded implements WorkflowInboundCallsInterceptor {
  /** The run ended by refusing its caller's request: its last log says so (see RefusalsMarked). */
  refused = false;

  async execute(input: WorkflowExecuteInput, next: (input: WorkflowExecuteInput) => Promise<unknown>): Promise<unknown> {
    try {
      return await next(input);
    } catch (error) {
      if (error instanceof TemporalFailure && isRequestRefusal(error)) this.refused = true;
      if (error instanceof TemporalFailure && !isCancellation(error) && !isRequestRefusal(error) && patched(FAILURES_RECORDED)) {
        const { workflowId, runId, workflowType } = workflowInfo();
        // Recording it cannot hide the failure: the run ends with the failure that ended it.
        await failures.recordProcessFailure({ workflowId, runId, workflowType, reason: reasonOf(error), at: new Date().toISOString() }).catch(() => undefined);
      }
      throw error;
    }
  }
}

/**
 * The SDK logs a run's failure from the workflow's thread, where a failure's category does not
 * survive the copy to the worker's logger; a run ended by a refusal marks its logs `refusal`, so
 * the worker's logger (src/temporal/runtime-logger.ts) leaves it to the API's 4xx.
 */
class RefusalsMarked implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly run: FailuresRecorded) {}

  getLogAttributes(input: Record<string, unknown>, next: (input: Record<string, unknown>) => Record<string, unknown>): Record<string, unknown> {
    return next(this.run.refused ? { ...input, refusal: true } : input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  const run = new FailuresRecorded();
  return { inbound: [run], outbound: [new RefusalsMarked(run)] };
};
