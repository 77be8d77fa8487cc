import type pg from 'pg';
import { ApplicationFailure } from '@temporalio/common';
import { bulkIntakeWorkflowId, type BatchSummary } from '../../workflows/bulk-intake/contract';
import { heartbeating } from '../shared/heartbeating';
import { scoreOnRequest } from '../../db/scores';
import type { ChunkInput, ChunkResult } from './chunk';
import type { ChunkStoringThreads } from './chunk-threads';

/**
 * Activities of bulk intake (Art. 10). Each staged chunk is checked and stored on a thread, in one
 * transaction that also empties it, so a retried or resumed chunk never stores a row twice.
 */
export function createBulkIntakeActivities({ pool, chunkStoring }: { pool: pg.Pool; chunkStoring: ChunkStoringThreads }) {
  return {
    async storeChunk(input: ChunkInput): Promise<ChunkResult> {
      const stored = await heartbeating(() => chunkStoring.store(input));
      if (stored === 'no-such-chunk') throw ApplicationFailure.nonRetryable(`batch ${input.batchId} has no chunk ${input.chunkNo}`, 'NoSuchChunk');
      return stored;
    },

    /** Every row has its outcome: the batch's counts become final. */
    async finishBatch(input: { batchId: string; at: string }): Promise<BatchSummary> {
      const result = await heartbeating(() => pool.query<BatchSummary>(
        `WITH counts AS (
           SELECT sum(rows)::int AS rows, sum(accepted)::int AS accepted, sum(refused)::int AS refused, sum(duplicates)::int AS duplicates
           FROM intake_chunks WHERE batch_id = $1
         )
         UPDATE intake_batches b SET finished_at = coalesce(b.finished_at, $2), accepted = c.accepted, refused = c.refused, duplicates = c.duplicates
         FROM counts c WHERE b.id = $1
         RETURNING c.rows, c.accepted, c.refused, c.duplicates`,
        [input.batchId, input.at],
      ));
      return result.rows[0]!;
    },

    answerBatchPersons(input: { batchId: string; at: string }): Promise<{ persons: number }> {
      return heartbeating(() => answerBatchPersons(pool, input));
    },
  };
}

/**
 * Each person with records in the batch hears once, however many arrived, and is rescored
 * once (Art. 6): set-based, rather than one rescore-person workflow each.
 */
async function answerBatchPersons(pool: pg.Pool, input: { batchId: string; at: string }): Promise<{ persons: number }> {
  const workflowId = bulkIntakeWorkflowId(input.batchId);
  const touched = await pool.query<{ person_id: string }>(
    `WITH touched AS (
       SELECT person_id, count(*) AS records FROM intake_chunks, unnest(person_ids) AS person_id WHERE batch_id = $1 GROUP BY person_id
     ), notified AS (
       INSERT INTO notifications (id, recipient_role, recipient_id, kind, workflow_id, body)
       SELECT $2 || '/' || person_id, 'person', person_id, 'records-added', $2, jsonb_build_object('records', records)
       FROM touched ON CONFLICT (id) DO NOTHING
     )
     SELECT person_id FROM touched`,
    [input.batchId, workflowId],
  );
  const ids = touched.rows.map((row) => row.person_id);
  // Requests from single shares of these persons are answered by this rescoring too.
  if (ids.length > 0) await scoreOnRequest(pool, { personIds: ids, computedBy: workflowId, at: input.at });
  await pool.query('UPDATE intake_batches SET persons_answered_at = coalesce(persons_answered_at, $2) WHERE id = $1', [input.batchId, input.at]);
  return { persons: ids.length };
}

export type BulkIntakeActivities = ReturnType<typeof createBulkIntakeActivities>;
