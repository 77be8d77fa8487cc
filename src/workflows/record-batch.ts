import { getExternalWorkflowHandle, proxyActivities } from '@temporalio/workflow';
import type { BatchSummary, RecordBatchActivities } from '../activities/record-batches';
import type { SharerKind } from '../activities/records';
import { sharedInBatchSignal } from './record-sharing';

const batches = proxyActivities<RecordBatchActivities>({
  // A chunk of 10,000 rows takes well under a second; rescoring a million-row batch's persons
  // takes a minute or two. The margin covers a busy database.
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Chunks in flight: while the worker's threads check some chunks' rows, Postgres stores others'.
 * On two cores, four keep both busy across the gaps between one activity and the next (three
 * left them idle a tenth of the time; six gained nothing more).
 */
const CONCURRENT_CHUNKS = 4;

export interface RecordBatchInput {
  batchId: string;
  sharerId: string;
  sharerKind: SharerKind;
  /** Staged chunks, numbered from 0 (the rows themselves stay in Postgres, not in the history). */
  chunks: number;
}

/**
 * Bulk intake (Art. 10): one workflow per batch, however many rows. It checks and stores the
 * staged chunks, closes the obligations their records answer, makes the per-row results final,
 * then notifies and rescores each person once. Workflow id `record-batch/{batchId}`.
 */
export async function recordBatchWorkflow(input: RecordBatchInput): Promise<BatchSummary> {
  const sharedAt = new Date().toISOString();
  let next = 0;
  const lane = async () => {
    for (let chunkNo = next++; chunkNo < input.chunks; chunkNo = next++) {
      const stored = await batches.storeBatchChunk({ batchId: input.batchId, chunkNo, sharerId: input.sharerId, sharerKind: input.sharerKind, sharedAt });
      await Promise.all(
        stored.closedObligations.map((obligation) =>
          getExternalWorkflowHandle(obligation.workflowId).signal(sharedInBatchSignal, { recordId: obligation.recordId, late: obligation.late }),
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_CHUNKS }, lane));
  const summary = await batches.finishBatch({ batchId: input.batchId, at: new Date().toISOString() });
  await batches.answerBatchPersons({ batchId: input.batchId, at: new Date().toISOString() });
  return summary;
}
