import type pg from 'pg';

/** Why a process's workflow failed for good, if it did. */
export async function processFailure(pool: pg.Pool, workflowId: string): Promise<string | undefined> {
  const found = await pool.query<{ reason: string }>('SELECT reason FROM process_failures WHERE workflow_id = $1 ORDER BY failed_at DESC LIMIT 1', [workflowId]);
  return found.rows[0]?.reason;
}

/**
 * What a view shows of a process whose workflow failed for good (process_failures, written by the
 * workflow as it failed): `failed`, with the reason, instead of the state its row was left in.
 * SQL fragments over the view's own columns: the workflow id and whether the row is still open.
 */
export function shownState(workflowId: string, state: string, stillOpen: string): string {
  return `CASE WHEN ${stillOpen} AND EXISTS (SELECT 1 FROM process_failures f WHERE f.workflow_id = ${workflowId}) THEN 'failed' ELSE ${state} END`;
}

export function failureReason(workflowId: string): string {
  return `(SELECT f.reason FROM process_failures f WHERE f.workflow_id = ${workflowId} ORDER BY f.failed_at DESC LIMIT 1)`;
}
