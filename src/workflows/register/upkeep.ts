import { proxyActivities } from '@temporalio/workflow';
import type { RegisterActivities } from '../../activities/register';
import { requestedStepOptions } from '../shared/activity-options';
import type { RegisterUpkeep } from './contract';

const register = proxyActivities<RegisterActivities>(requestedStepOptions);

/**
 * Daily: the register's partitions are ready a year ahead, so no read ever fails to be
 * registered, and months past the three years kept are named for archiving (never dropped here).
 * Workflow id `register-upkeep/{taskQueue}/run`, started by its schedule.
 */
export async function registerUpkeepWorkflow(): Promise<RegisterUpkeep> {
  return register.keepRegister();
}
