import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { createAgencyActivities } from './agencies';
import { createAgreementActivities } from './agreement';
import { createAttestationActivities } from './attestation';
import { createAuthorizationActivities } from './authorization';
import { createBulkIntakeActivities } from './bulk-intake';
import type { ChunkStoringThreads } from './bulk-intake/chunk-threads';
import { createCalendarActivities } from './calendar';
import { createCivicFeedActivities } from './civic-feed';
import { createDeclarationActivities } from './declaration';
import { createIncentiveActivities } from './incentive';
import { createObjectionActivities } from './objection';
import { closeFailedObjection } from './objection/failed';
import { createRecordActivities } from './records';
import { createRegisterActivities } from './register';
import { createRepairActivities } from './repair';
import { createScoringActivities } from './scoring';
import { createProcessFailureActivities } from './shared/process-failures';
import { createRescoringRequestActivities } from './shared/rescoring-requests';
import { createSlaActivities } from './shared/sla';
import { createTaskActivities } from './shared/tasks';

export interface ActivityDependencies {
  pool: pg.Pool;
  client: Client;
  taskQueue: string;
  /** Bulk intake checks and stores staged chunks on threads (they hash and seal identity numbers themselves). */
  chunkStoring: ChunkStoringThreads;
  /** The worker running the activities, recorded where work fans out across workers. */
  workerIdentity: string;
}

/** Every activity the worker registers: one factory per process and shared mechanism, wired to its dependencies. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createSlaActivities(deps),
    ...createTaskActivities(deps),
    ...createRescoringRequestActivities(deps),
    // Each process puts its own data right when one of its workflows fails for good.
    ...createProcessFailureActivities({ ...deps, closers: [closeFailedObjection] }),
    ...createCalendarActivities(deps),
    ...createAgencyActivities(deps),
    ...createRecordActivities(deps),
    ...createBulkIntakeActivities(deps),
    ...createScoringActivities(deps),
    ...createObjectionActivities(deps),
    ...createDeclarationActivities(deps),
    ...createRepairActivities(deps),
    ...createAgreementActivities(deps),
    ...createAuthorizationActivities(deps),
    ...createIncentiveActivities(deps),
    ...createAttestationActivities(deps),
    ...createRegisterActivities(deps),
    ...createCivicFeedActivities(deps),
  };
}
