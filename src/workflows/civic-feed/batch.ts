import { allHandlersFinished, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { CivicFeedActivities } from '../../activities/civic-feed';
import { databaseStepOptions } from '../shared/activity-options';
import { civicBatchStoredUpdate, type CivicBatchInput, type CivicBatchOutcome, type CivicBatchStored } from './contract';

const feed = proxyActivities<CivicFeedActivities>(databaseStepOptions);

/**
 * A request of the civilised-behaviour feed (Art. 21, Art. 9(3)) as one unit of work: its events
 * kept in one transaction, each once by its id, as positive records; then each new event sent to
 * the person's open repairs by its route (which count it once), and the persons given records
 * told and rescored together, set-based, as bulk intake does. Workflow id
 * `civic-batch/{fedBy}/{batchId}`.
 */
export async function civicBatchWorkflow(input: CivicBatchInput): Promise<CivicBatchOutcome> {
  // Set once the batch is stored: the update's answer.
  const batch: { stored?: CivicBatchStored } = {};
  setHandler(civicBatchStoredUpdate, async () => {
    await condition(() => batch.stored !== undefined);
    return batch.stored!;
  });
  const { workflowId } = workflowInfo();
  const kept = await feed.recordCivicBatch({ ...input, workflowId, at: new Date().toISOString() });
  const stored = { accepted: kept.accepted, duplicates: kept.duplicates };
  batch.stored = stored;
  const routed = kept.routes.length > 0 ? await feed.routeCivicBatch({ routes: kept.routes }) : 0;
  const rescored = kept.recordsAdded > 0 ? await feed.answerCivicBatchPersons({ workflowId, at: new Date().toISOString() }) : 0;
  await condition(allHandlersFinished);
  return { ...stored, routed, rescored };
}
