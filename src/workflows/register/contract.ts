import { workflowSummary } from '../shared/contract';

/**
 * The query register (Art. 22; PIPL art. 55-56): every read of a person's data, allowed or
 * refused, kept at least three years, by month.
 */

export const registerUpkeepWorkflowType = 'registerUpkeepWorkflow';

/** One schedule per task queue, so platforms sharing a Temporal namespace keep their own registers. */
export function registerUpkeepScheduleId(taskQueue: string): string {
  return `register-upkeep/${taskQueue}`;
}

export function registerUpkeepWorkflowId(taskQueue: string): string {
  return `register-upkeep/${taskQueue}/run`;
}

export function registerUpkeepSummary(): string {
  return workflowSummary({ zh: '查询登记簿维护', en: 'Query register upkeep' }, { zh: '每日 03:30（上海时间）', en: 'daily at 03:30 Shanghai time' });
}

/** How many months of partitions are kept ready ahead, and how many a month is kept at least. */
export const MONTHS_AHEAD = 12;
export const MONTHS_KEPT = 36;

export interface RegisterUpkeep {
  /** Partitions created for the months ahead. */
  created: number;
  /** Months older than the three years kept: they may be detached and archived by an operator. */
  archivable: string[];
}

export type RegisterUpkeepWorkflow = () => Promise<RegisterUpkeep>;
