import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database';
import { createTestWorker } from './platform-worker';
import { startTimeSkipping } from './time-skipping';

export interface WorkflowTestBed {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  taskQueue: string;
}

/**
 * A test file's bed for workflow tests: a time-skipping server (on `startAt` if given), a database
 * of the file's own (after `prepare`), and the real worker running on it until the file ends.
 */
export function workflowTestBed(options: { startAt?: Date; prepare?: (db: TestDatabase) => Promise<unknown> } = {}): WorkflowTestBed {
  const bed = {} as WorkflowTestBed;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    bed.env = await startTimeSkipping(options.startAt ? { startAt: options.startAt } : {});
    bed.db = await createTestDatabase();
    await options.prepare?.(bed.db);
    ({ worker, taskQueue: bed.taskQueue } = await createTestWorker(bed.env, bed.db));
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await bed.db?.drop();
    await bed.env?.teardown();
  });
  return bed;
}
