import type { SharerKind } from '../../domain/record';

/** Bulk intake (Art. 10): many records in one request, staged in chunks, stored by one workflow per batch. */

export const bulkIntakeWorkflowType = 'bulkIntakeWorkflow';

export function bulkIntakeWorkflowId(batchId: string): string {
  return `bulk-intake/${batchId}`;
}

export interface BulkIntakeInput {
  batchId: string;
  sharerId: string;
  sharerKind: SharerKind;
  /** Staged chunks, numbered from 0 (the rows themselves stay in Postgres, not in the history). */
  chunks: number;
}

export interface BatchSummary {
  rows: number;
  accepted: number;
  refused: number;
  duplicates: number;
}

export type BulkIntakeWorkflow = (input: BulkIntakeInput) => Promise<BatchSummary>;
