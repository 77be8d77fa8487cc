/**
 * The worker of `bench:api`'s bare Temporal baseline (bench/bare-workflow.ts), as its own process
 * like the platform's worker: one local activity that inserts a row. `TEMPORAL_ADDRESS`,
 * `DATABASE_URL`, `BARE_TASK_QUEUE`.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createPool } from '../src/db/pool';

const pool = createPool(process.env.DATABASE_URL!, 10);

const activities = {
  async insertBareShare(personId: string): Promise<void> {
    await pool.query('INSERT INTO bare_writes (person_id) VALUES ($1)', [personId]);
  },
};
export type BareActivities = typeof activities;

if (process.env.BARE_TASK_QUEUE) {
  await pool.query('CREATE TABLE IF NOT EXISTS bare_writes (person_id uuid NOT NULL, at timestamptz NOT NULL DEFAULT now())');
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.BARE_TASK_QUEUE,
    workflowsPath: new URL('./bare-workflow.ts', import.meta.url).pathname,
    activities,
  });
  process.stdout.write('Worker polling\n');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => worker.shutdown());
  await worker.run();
  await connection.close();
  await pool.end();
}
