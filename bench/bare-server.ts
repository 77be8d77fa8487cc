/**
 * The benchmarks' baselines, run as their own process like the API: Fastify answering one indexed
 * single-row read of the platform's database (a person's base score), and the same read in one
 * statement with a row inserted and committed, as the least a read that leaves a durable trace
 * can cost (its time is mostly the disk's flush of the commit); and, with `BARE_TASK_QUEUE`, the
 * least a share through Temporal costs: update-with-start of a workflow whose update runs one local
 * activity inserting a row (bench/bare-workflow.ts). `BARE_PORT`, `DATABASE_URL`, `TEMPORAL_ADDRESS`.
 */
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import { createPool } from '../src/db/pool';
import { bareShareUpdate, type bareShareWorkflow } from './bare-workflow';

const pool = createPool(process.env.DATABASE_URL!, 10);
await pool.query('CREATE TABLE IF NOT EXISTS bare_writes (person_id uuid NOT NULL, at timestamptz NOT NULL DEFAULT now())');
const bare = Fastify();
bare.get<{ Params: { personId: string } }>('/bare/:personId', async (request) => {
  const found = await pool.query({ name: 'bare', text: 'SELECT score, level FROM scores WHERE person_id = $1 AND scenario = $2', values: [request.params.personId, 'base'] });
  return found.rows[0] ?? null;
});
bare.get<{ Params: { personId: string } }>('/bare-committed/:personId', async (request) => {
  const found = await pool.query({
    name: 'bare-committed',
    text: 'WITH written AS (INSERT INTO bare_writes (person_id) VALUES ($1)) SELECT score, level FROM scores WHERE person_id = $1 AND scenario = $2',
    values: [request.params.personId, 'base'],
  });
  return found.rows[0] ?? null;
});
const taskQueue = process.env.BARE_TASK_QUEUE;
if (taskQueue) {
  const client = new Client({ connection: await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! }) });
  bare.post<{ Params: { personId: string } }>('/bare-workflow/:personId', (request) =>
    client.workflow.executeUpdateWithStart(bareShareUpdate, {
      args: [request.params.personId],
      startWorkflowOperation: new WithStartWorkflowOperation<typeof bareShareWorkflow>('bareShareWorkflow', {
        taskQueue,
        workflowId: `bare-share/${randomUUID()}`,
        workflowIdConflictPolicy: 'FAIL',
      }),
    }),
  );
}
await bare.listen({ host: '127.0.0.1', port: Number(process.env.BARE_PORT) });
process.stdout.write('listening\n');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void bare.close().then(() => pool.end()).then(() => process.exit(0)));
