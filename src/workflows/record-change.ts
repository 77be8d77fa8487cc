import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RecordActivities, RecordChangeInput, RecordChangeOutcome } from '../activities/records';
import { requestRescoring } from './rescoring-request';

const records = proxyActivities<RecordActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export type RecordChangeRequest = Omit<RecordChangeInput, 'workflowId' | 'changeId' | 'at'>;

/**
 * A correction or revocation by the sharer (Art. 8-10): records are never deleted, the change
 * makes a new version and keeps the old one, the person is told and rescored.
 * Workflow id `record-change/{sharer}/{reference}/{changeId}`.
 */
export async function recordChangeWorkflow(request: RecordChangeRequest): Promise<RecordChangeOutcome> {
  const { workflowId } = workflowInfo();
  const outcome = await records.changeRecord({ ...request, workflowId, changeId: workflowId, at: new Date().toISOString() });
  if (outcome.status === 'changed') await requestRescoring([outcome.personId], `record-${request.kind === 'revoke' ? 'revoked' : 'corrected'}`);
  return outcome;
}
