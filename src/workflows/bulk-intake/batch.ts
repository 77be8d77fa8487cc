import { getExternalWorkflowHandle, proxyActivities } from '@temporalio/workflow';
import type { BulkIntakeActivities } from '../../activities/bulk-intake';
import { sharedInBatchSignal } from '../records/contract';
import { bulkStepOptions } from '../shared/activity-options';
import type { BatchSummary, BulkIntakeInput } from './contract';

const intake = proxyActivities<BulkIntakeActivities>(bulkStepOptions);

/**
 * Chunks in flight: while the worker's threads check some chunks' rows, Postgres stores others'.
 * On two cores, four keep both busy across the gaps between one activity and the next (three
 * left them idle a tenth of the time; six gained nothing more).
 */
const CONCURRENT_CHUNKS = 4;

/**
 * Bulk intake (Art. 10): one workflow per batch, however many rows. It checks and stores the
 * staged chunks, closes the obligations their records answer, makes the per-row results final,
 * then notifies and rescores each person once. Workflow id `bulk-intake/{batchId}`.
 */
export async function bulkIntakeWorkflow(input: BulkIntakeInput): Promise<BatchSummary> {
  const sharedAt = new Date().toISOString();
  let next = 0;
  const lane = async () => {
    for (let chunkNo = next++; chunkNo < input.chunks; chunkNo = next++) {
      const stored = await intake.storeChunk({ batchId: input.batchId, chunkNo, sharerId: input.sharerId, sharerKind: input.sharerKind, sharedAt });
      await Promise.all(
        stored.closedObligations.map((obligation) =>
          getExternalWorkflowHandle(obligation.workflowId).signal(sharedInBatchSignal, { recordId: obligation.recordId, late: obligation.late }),
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_CHUNKS }, lane));
  const summary = await intake.finishBatch({ batchId: input.batchId, at: new Date().toISOString() });
  await intake.answerBatchPersons({ batchId: input.batchId, at: new Date().toISOString() });
  return summary;
}
