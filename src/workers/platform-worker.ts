import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { createActivities } from '../activities';
import type { ChunkStoringThreads } from '../activities/bulk-intake/chunk-threads';
import { activityRetries } from '../activities/shared/activity-retries';
import { permanentFailures } from '../activities/shared/permanent-failures';
import { projectRoot } from '../project-root';
import type { EncryptionCodec } from '../temporal/codec';
import { deploymentOptions, type WorkerVersion } from '../temporal/deployment';

export const WORKFLOWS_PATH = join(projectRoot, 'src', 'workflows', 'index.ts');
/** The workflow interceptors every bundle of the platform's workflows holds (a prebuilt one is bundled with them). */
export const WORKFLOW_INTERCEPTOR_MODULES = [join(projectRoot, 'src', 'workflows', 'shared', 'failures-recorded.ts')];

export interface PlatformWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  pool: pg.Pool;
  client: Client;
  chunkStoring: ChunkStoringThreads;
  dataConverter: { payloadCodecs: EncryptionCodec[] };
  /** A prebuilt bundle (tests build one per file); by default the worker bundles src/workflows. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** 0 turns off the workflow cache and its sticky task queue (a test stopping a worker mid-run needs that). */
  maxCachedWorkflows?: number;
  /** The release's version of the platform's Worker Deployment; unversioned without it (the time-skipping test server has no deployments). */
  version?: WorkerVersion;
}

/**
 * The worker that runs every process of the platform: the workflows and their activities. Any
 * number of them may poll one task queue; each names itself by host and process.
 */
export function createPlatformWorker(options: PlatformWorkerOptions): Promise<Worker> {
  const identity = `${process.pid}@${hostname()}`;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    identity,
    // A prebuilt bundle carries its workflow interceptors (bundleWorkflowCode's workflowInterceptorModules).
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({ pool: options.pool, client: options.client, taskQueue: options.taskQueue, chunkStoring: options.chunkStoring, workerIdentity: identity }),
    dataConverter: options.dataConverter,
    interceptors: { activity: [activityRetries(options.pool), permanentFailures], ...(options.workflowBundle ? {} : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }) },
    // A stopping worker ends within half a minute even when a local activity keeps retrying against
    // a database that is away (the upgrade proof found one held for minutes): whatever it had in
    // flight is retried by the next worker, as after a crash.
    shutdownForceTime: '30 seconds',
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    ...(options.version ? { workerDeploymentOptions: deploymentOptions(options.version) } : {}),
  });
}
