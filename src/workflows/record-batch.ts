import { getExternalWorkflowHandle, proxyActivities } from '@temporalio/workflow';
import type { BatchSummary, RecordBatchActivities } from '../activities/record-batches';
import type { SharerKind } from '../activities/records';
import { sharedInBatchSignal } from './record-sharing';

const batches = proxyActivities<RecordBatchActivities>({
  // A chunk of 20,000 rows takes about a second; the margin covers a busy database.
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Rows per activity: big enough for set-based SQL to pay off, small enough to retry cheaply. */
export const BATCH_CHUNK_ROWS = 20_000;
const CONCURRENT_CHUNKS = 2;

export interface RecordBatchInput {
  batchId: string;
  sharerId: string;
  sharerKind: SharerKind;
  /** Staged rows, numbered from 1 (the rows themselves stay in Postgres, not in the history). */
  rows: number;
}

/**
 * Bulk intake (Art. 10): one workflow per batch, however many rows, storing the staged rows in
 * chunks and closing the obligations their records answer. Workflow id `record-batch/{batchId}`.
 */
export async function recordBatchWorkflow(input: RecordBatchInput): Promise<BatchSummary> {
  const sharedAt = new Date().toISOString();
  const chunks: { fromRow: number; toRow: number }[] = [];
  for (let fromRow = 1; fromRow <= input.rows; fromRow += BATCH_CHUNK_ROWS) {
    chunks.push({ fromRow, toRow: Math.min(fromRow + BATCH_CHUNK_ROWS - 1, input.rows) });
  }
  // Two chunks at a time keep both the database and the worker busy without contending much.
  const storeChunk = async (chunk: { fromRow: number; toRow: number }) => {
    const stored = await batches.storeBatchChunk({ batchId: input.batchId, sharerId: input.sharerId, sharerKind: input.sharerKind, ...chunk, sharedAt });
    await Promise.all(
      stored.closedObligations.map((obligation) =>
        getExternalWorkflowHandle(obligation.workflowId).signal(sharedInBatchSignal, { recordId: obligation.recordId, late: obligation.late }),
      ),
    );
  };
  for (let i = 0; i < chunks.length; i += CONCURRENT_CHUNKS) {
    await Promise.all(chunks.slice(i, i + CONCURRENT_CHUNKS).map(storeChunk));
  }
  await batches.rescoreBatchPersons({ batchId: input.batchId });
  return batches.finishBatch({ batchId: input.batchId, at: new Date().toISOString() });
}
