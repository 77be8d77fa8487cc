import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { storableEcho } from '../../domain/storable-text';
import { isDependencyOutage } from '../shared/outages';
import { failureReason, refusalOf } from '../workflow-failures';
import type { WebUi } from '../shared/sla-report';
import type { Trouble } from '../shared/troubles';

/** A retrying activity updates its row at each failure, at least every minute (the longest backoff) or each timeout (30 minutes at most): an older row is of a step that ended. */
const RETRY_SEEN_WITHIN = "interval '35 minutes'";

function webUiUrl(webUi: WebUi, workflowId: string): string {
  return `${webUi.url}/namespaces/${encodeURIComponent(webUi.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/**
 * Every process in trouble, newest first, at most `limit` of each kind: workflows failed (their
 * own record of it, and any the server knows failed without one, e.g. of an older release),
 * workflows whose workflow tasks keep failing (the server marks them, `TemporalReportedProblems`),
 * and activities still retrying from their fourth attempt (activity_retries, kept by the workers).
 */
export async function processesInTrouble(deps: { pool: pg.Pool; client: Client; webUi: WebUi }, limit: number): Promise<Trouble[]> {
  const troubles: Trouble[] = [];
  const failed = await deps.pool.query<{ workflow_id: string; workflow_type: string; reason: string; failed_at: Date }>(
    'SELECT DISTINCT ON (workflow_id) workflow_id, workflow_type, reason, failed_at FROM process_failures ORDER BY workflow_id, failed_at DESC',
  );
  const recorded = new Set(failed.rows.map((row) => row.workflow_id));
  for (const row of failed.rows.sort((a, b) => b.failed_at.getTime() - a.failed_at.getTime()).slice(0, limit)) {
    troubles.push({ kind: 'failed', workflowId: row.workflow_id, workflowType: row.workflow_type, reason: row.reason, since: row.failed_at.toISOString(), webUiUrl: webUiUrl(deps.webUi, row.workflow_id) });
  }
  for (const execution of await listed(deps.client, 'ExecutionStatus = "Failed"', limit)) {
    if (recorded.has(execution.workflowId)) continue;
    const failure = await failureOf(deps.client, execution.workflowId, execution.runId);
    // A one-shot workflow that refused its caller's request answered it (a 4xx): not in trouble.
    if (failure.refusal) continue;
    troubles.push({
      kind: 'failed',
      workflowId: execution.workflowId,
      workflowType: execution.type,
      reason: failure.reason,
      since: (execution.closeTime ?? execution.startTime).toISOString(),
      webUiUrl: webUiUrl(deps.webUi, execution.workflowId),
    });
  }
  for (const execution of await listed(deps.client, 'ExecutionStatus = "Running" AND TemporalReportedProblems IS NOT NULL', limit)) {
    const problems = execution.searchAttributes?.TemporalReportedProblems;
    troubles.push({
      kind: 'workflow-task-failing',
      workflowId: execution.workflowId,
      workflowType: execution.type,
      reason: storableEcho(Array.isArray(problems) ? problems.join('; ') : 'its workflow tasks keep failing'),
      since: execution.startTime.toISOString(),
      webUiUrl: webUiUrl(deps.webUi, execution.workflowId),
    });
  }
  const retrying = await deps.pool.query<{ workflow_id: string; workflow_type: string; activity_type: string; attempt: number; last_failure: string; first_failed_at: Date }>(
    `SELECT workflow_id, workflow_type, activity_type, attempt, last_failure, first_failed_at FROM activity_retries
     WHERE last_failed_at > now() - ${RETRY_SEEN_WITHIN} ORDER BY last_failed_at DESC LIMIT $1`,
    [limit],
  );
  for (const row of retrying.rows) {
    troubles.push({
      kind: 'activity-retrying',
      workflowId: row.workflow_id,
      workflowType: row.workflow_type,
      reason: row.last_failure,
      since: row.first_failed_at.toISOString(),
      activityType: row.activity_type,
      attempt: row.attempt,
      webUiUrl: webUiUrl(deps.webUi, row.workflow_id),
    });
  }
  return troubles;
}

/** Up to `limit` workflows of a visibility query; none when the server cannot answer it (the time-skipping test server has no such queries). */
async function listed(client: Client, query: string, limit: number) {
  const found = [];
  try {
    for await (const execution of client.workflow.list({ query })) {
      found.push(execution);
      if (found.length >= limit) break;
    }
  } catch (error) {
    if (isDependencyOutage(error)) throw error;
    return [];
  }
  return found;
}

/**
 * What a failed workflow ended with, as its innermost failure says it (names and rules, never
 * data), and whether that was a request's refusal (naming the input field, answered as a 4xx).
 */
export async function failureOf(client: Client, workflowId: string, runId: string): Promise<{ reason: string; refusal: boolean }> {
  try {
    await client.workflow.getHandle(workflowId, runId).result();
    return { reason: 'failed', refusal: false };
  } catch (error) {
    const refused = refusalOf(error);
    return { reason: storableEcho(failureReason(error) ?? 'failed').slice(0, 1000), refusal: refused !== undefined };
  }
}
