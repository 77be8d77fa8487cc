import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { activeModels, scorePersons, type ScoringResult } from '../../db/scores';
import { shanghaiDayOf } from '../../domain/working-days';
import { rescorePersonSummary, rescorePersonWorkflowId, rescorePersonWorkflowType, rescoreRequestedSignal, type RescorePersonWorkflow } from '../../workflows/scoring/contract';
import type { Queryable } from '../../db/pool';

/**
 * Art. 6: a change to a person's records asks for their rescoring. The request is kept in
 * `rescore_requests` (written in the transaction that made the change) until a scoring answers it.
 */
export async function recordRescoreRequests(db: Queryable, requests: { id: string; personId: string; reason: string; requestedBy: string }[]): Promise<void> {
  if (requests.length === 0) return;
  await db.query(
    `INSERT INTO rescore_requests (id, person_id, reason, requested_by, answered_by)
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[]) ON CONFLICT (id) DO NOTHING`,
    [
      requests.map((r) => r.id),
      requests.map((r) => r.personId),
      requests.map((r) => r.reason),
      requests.map((r) => r.requestedBy),
      requests.map((r) => rescorePersonWorkflowId(r.personId)),
    ],
  );
}

/**
 * Scores persons in every active scenario on the Shanghai day of `at` and answers their
 * requests made before it began: the one place requests are answered, whether one person's
 * (`rescore-person`) or a bulk batch's thousands.
 */
export async function scoreOnRequest(pool: pg.Pool, input: { personIds: string[]; computedBy: string; at: string }): Promise<ScoringResult> {
  // The database's own clock, the one requests are stamped with.
  const began = (await pool.query<{ now: Date }>('SELECT now()')).rows[0]!.now;
  const result = await scorePersons(pool, {
    models: await activeModels(pool),
    onDay: shanghaiDayOf(new Date(input.at)),
    computedBy: input.computedBy,
    computedAt: input.at,
    persons: { ids: input.personIds },
  });
  await pool.query('UPDATE rescore_requests SET answered_at = now() WHERE person_id = ANY($1::uuid[]) AND answered_at IS NULL AND requested_at <= $2', [
    input.personIds,
    began,
  ]);
  return result;
}

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
