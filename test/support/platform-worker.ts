import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { createChunkStoringThreads } from '../../src/activities/bulk-intake/chunk-threads';
import { createDataConverter } from '../../src/temporal/connection';
import { createPlatformWorker } from '../../src/workers/platform-worker';
import { testConfig } from './config';
import type { TestDatabase } from './database';
import { testWorkflowBundle } from './time-skipping';

/** The real worker (real activities on the file's own Postgres database) against a test environment. */
export async function createTestWorker(
  env: TestWorkflowEnvironment,
  db: TestDatabase,
  taskQueue = `test-${randomBytes(4).toString('hex')}`,
  options: { maxCachedWorkflows?: number } = {},
): Promise<{ worker: Worker; taskQueue: string }> {
  const worker = await createPlatformWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    pool: db.pool,
    client: env.client,
    // No workflow test sends a bulk batch: no thread ever starts.
    chunkStoring: createChunkStoringThreads({ databaseUrl: db.url, ...testConfig }),
    dataConverter: createDataConverter(testConfig),
    workflowBundle: await testWorkflowBundle(),
    ...options,
  });
  return { worker, taskQueue };
}
