import { proxyActivities } from '@temporalio/workflow';
import type { CivicFeedActivities } from '../../activities/civic-feed';
import { databaseStepOptions } from '../shared/activity-options';
import { requestRescoring } from '../shared/rescoring-request';
import type { CivicEventInput, CivicEventOutcome } from './contract';

const feed = proxyActivities<CivicFeedActivities>(databaseStepOptions);

/**
 * One civilised-behaviour event (Art. 21, Art. 9(3)): kept once as a positive record, and sent to
 * each of the person's open repairs by its route, which counts it toward the threshold once.
 * Workflow id `civic-event/{eventId}`.
 */
export async function civicEventWorkflow(input: CivicEventInput): Promise<CivicEventOutcome> {
  const { eventId, kind, amount, occurredOn } = input;
  const kept = await feed.recordCivicEvent({ ...input, at: new Date().toISOString() });
  const routedTo = await feed.routeCivicEvidence({ repairWorkflowIds: kept.openRepairs, evidence: { eventId, kind, amount, occurredOn } });
  if (kept.recordAdded) await requestRescoring([kept.personId], 'civic-event');
  return { recordId: kept.recordId, routedTo };
}
