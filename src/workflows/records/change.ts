import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RecordActivities } from '../../activities/records';
import type { RecordChange, RecordChangeOutcome } from '../../domain/record';
import { databaseStep } from '../shared/activity-options';
import { requestRescoring } from '../shared/rescoring-request';

const records = proxyActivities<RecordActivities>(databaseStep);

/**
 * A correction or revocation by the sharer (Art. 8-10): records are never deleted, the change
 * makes a new version and keeps the old one, the person is told and rescored.
 * Workflow id `record-change/{sharer}/{reference}/{changeId}`.
 */
export async function recordChangeWorkflow(change: RecordChange): Promise<RecordChangeOutcome> {
  const { workflowId } = workflowInfo();
  const outcome = await records.changeRecord({ ...change, workflowId, at: new Date().toISOString() });
  if (outcome.status === 'changed') await requestRescoring([outcome.personId], `record-${change.kind === 'revoke' ? 'revoked' : 'corrected'}`);
  return outcome;
}
