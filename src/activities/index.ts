import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { ChunkStoringThreads } from './batch-chunk-threads';
import { createAgencyActivities } from './agencies';
import { createCalendarActivities } from './calendar';
import { createModelActivities } from './models';
import { createObjectionActivities } from './objections';
import { createRecordBatchActivities } from './record-batches';
import { createRecordActivities } from './records';
import { createScoringActivities } from './scoring';
import { createTaskActivities } from './tasks';
import { createSlaActivities } from './sla';

export interface ActivityDependencies {
  pool: pg.Pool;
  client: Client;
  taskQueue: string;
  /** Bulk intake checks and stores staged chunks on threads (they hash and seal identity numbers themselves). */
  chunkStoring: ChunkStoringThreads;
}

/** Every activity the worker registers, wired to its real dependencies. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createSlaActivities(deps),
    ...createCalendarActivities(deps),
    ...createAgencyActivities(deps),
    ...createRecordActivities(deps),
    ...createRecordBatchActivities(deps),
    ...createScoringActivities(deps),
    ...createModelActivities(deps),
    ...createTaskActivities(deps),
    ...createObjectionActivities(deps),
  };
}
