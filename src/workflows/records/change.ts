import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RecordActivities } from '../../activities/records';
import type { RecordChange, RecordChanged } from '../../domain/record';
import { databaseStepOptions } from '../shared/activity-options';
import { requestRescoring } from '../shared/rescoring-request';

const records = proxyActivities<RecordActivities>(databaseStepOptions);

/**
 * A correction or revocation by the sharer (Art. 8-10): records are never deleted, the change
 * makes a new version and keeps the old one, the person is told and rescored.
 * A change the record cannot take is refused (RECORD_REFUSALS). Workflow id
 * `record-change/{sharer}/{reference}/{changeId}`.
 */
export async function recordChangeWorkflow(change: RecordChange): Promise<RecordChanged> {
  const { workflowId } = workflowInfo();
  const outcome = await records.changeRecord({ ...change, workflowId, at: new Date().toISOString() });
  // A 0.2.0 activity returned a refusal as a value, which this run returns as it did; now it is thrown.
  if (outcome.status === 'changed') await requestRescoring([outcome.personId], `record-${change.kind === 'revoke' ? 'revoked' : 'corrected'}`);
  return outcome;
}
