import type { Client } from '@temporalio/client';
import { rescorePersonSummary, rescorePersonWorkflowId, rescorePersonWorkflowType, rescoreRequestedSignal, type RescorePersonWorkflow } from '../../workflows/scoring/contract';

/** Activities of the rescoring request mechanism. */
export function createRescoringRequestActivities({ client, taskQueue }: { client: Client; taskQueue: string }) {
  return {
    /**
     * Signal-with-start, so a burst of changes lands on one running `rescore-person/{personId}`
     * and coalesces.
     */
    async requestRescoring(input: { personIds: string[]; reason: string }): Promise<void> {
      for (const personId of input.personIds) {
        await client.workflow.signalWithStart<RescorePersonWorkflow, [{ reason: string }]>(rescorePersonWorkflowType, {
          workflowId: rescorePersonWorkflowId(personId),
          taskQueue,
          args: [{ personId }],
          signal: rescoreRequestedSignal,
          signalArgs: [{ reason: input.reason }],
          staticSummary: rescorePersonSummary(),
        });
      }
    },
  };
}

export type RescoringRequestActivities = ReturnType<typeof createRescoringRequestActivities>;
