import type { SharerKind } from '../../domain/record';
import { partyWording, workflowSummary } from '../shared/contract';

/** Bulk intake (Art. 10): many records in one request, staged in chunks, stored by one workflow per batch. */

export const bulkIntakeWorkflowType = 'bulkIntakeWorkflow';

export function bulkIntakeWorkflowId(batchId: string): string {
  return `bulk-intake/${batchId}`;
}

export function bulkIntakeSummary(input: Pick<BulkIntakeInput, 'sharerId' | 'sharerKind' | 'chunks'>): string {
  return workflowSummary({ zh: '批量共享', en: 'Bulk intake' }, partyWording({ role: input.sharerKind, agencyId: input.sharerId }), {
    zh: `${input.chunks} 块`,
    en: `${input.chunks} chunk${input.chunks === 1 ? '' : 's'}`,
  });
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
