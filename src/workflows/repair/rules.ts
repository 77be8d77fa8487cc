import { proxyActivities } from '@temporalio/workflow';
import type { RepairActivities } from '../../activities/repair';
import { requestedStep } from '../shared/activity-options';
import type { RepairRulesPublication } from './contract';

const repairs = proxyActivities<RepairActivities>(requestedStep);

/**
 * NDRC replaces the repair conditions without a release (Order 36; DOMAIN.md "Credit repair"):
 * they become the next version, in force, and the previous one is retired. A repair keeps the
 * version it was filed under. Workflow id `repair-rules/{publicationId}`.
 */
export async function repairRulesWorkflow(publication: RepairRulesPublication): Promise<{ version: number; retired: number | null }> {
  return repairs.publishRepairRules(publication);
}
