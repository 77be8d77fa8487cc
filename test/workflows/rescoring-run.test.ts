import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rescoreProgressQuery } from '../../src/workflows/scoring/contract';
import { rescoringRunWorkflow } from '../../src/workflows/scoring/rescoring-run';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestWorker } from '../support/platform-worker';
import { seedScoredPersons } from '../support/scoring-fixtures';
import { completed, startTimeSkipping } from '../support/time-skipping';

const PERSONS = 120;

describe('Art. 6 scheduled full rescoring survives a worker crash', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;

  beforeAll(async () => {
    env = await startTimeSkipping();
    db = await createTestDatabase();
    await seedScoredPersons(db.pool, PERSONS);
    // Two more persons out of scope: a minor and one whose capacity is limited.
    await db.pool.query(
      `INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date, residency, civil_capacity) VALUES
         (gen_random_uuid(), '\\x01', '\\x00', '2015-01-01', 'household', 'full'),
         (gen_random_uuid(), '\\x02', '\\x00', '1970-01-01', 'household', 'limited')`,
    );
  });

  afterAll(async () => {
    await db?.drop();
    await env?.teardown();
  });

  it('resumes from the last finished range after the worker stops mid-run: every person scored exactly once, and the run completes', async () => {
    // Without a workflow cache the next task goes to the shared task queue, not to the stopped worker's sticky one
    // (the time-skipping server does not hand sticky tasks back when a worker leaves).
    const first = await createTestWorker(env, db, undefined, { maxCachedWorkflows: 0 });
    const running = first.worker.run();
    const handle = await env.client.workflow.start(rescoringRunWorkflow, {
      taskQueue: first.taskQueue,
      workflowId: 'rescore-full/2026-11-25',
      // A short heartbeat timeout: a range cut off by the stop is retried within seconds of real time
      // (the test server does not skip time while an activity is started).
      args: [{ onDay: '2026-11-25', pageSize: 4, rangeHeartbeatTimeout: '3 seconds' }],
    });
    await expect.poll(async () => (await handle.query(rescoreProgressQuery)).ranges, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(6);
    first.worker.shutdown();
    await running;
    const scoredBeforeTheStop = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM scores WHERE computed_by = 'rescore-full/2026-11-25'`);
    expect(scoredBeforeTheStop.rows[0]!.n).toBeGreaterThan(0);
    expect(scoredBeforeTheStop.rows[0]!.n).toBeLessThan(PERSONS * 2);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // A new worker on the same task queue takes over where the first stopped.
    const second = await createTestWorker(env, db, first.taskQueue);
    await second.worker.runUntil(completed(handle));
    const summary = await handle.result();
    expect(summary).toMatchObject({ runId: 'rescore-full/2026-11-25', personsScored: PERSONS, outOfScope: 2 });
    const scores = await db.pool.query<{ scenario: string; rows: number; persons: number }>(
      `SELECT scenario, count(*)::int AS rows, count(DISTINCT person_id)::int AS persons FROM scores
       WHERE computed_by = 'rescore-full/2026-11-25' GROUP BY scenario ORDER BY scenario`,
    );
    expect(scores.rows).toEqual([
      { scenario: 'base', rows: PERSONS, persons: PERSONS },
      { scenario: 'lending', rows: PERSONS, persons: PERSONS },
    ]);
    // A range redone after the stop replaced no score of its own: nothing went to the history.
    expect((await db.pool.query('SELECT count(*)::int AS n FROM score_history')).rows[0].n).toBe(0);
    const run = await db.pool.query('SELECT finished_at, persons_scored FROM rescoring_runs WHERE id = $1', ['rescore-full/2026-11-25']);
    expect(run.rows[0].finished_at).not.toBeNull();
    expect(Number(run.rows[0].persons_scored)).toBe(PERSONS);
  });

  it('Art. 14 gives the lending scenario its own score from the same records', async () => {
    const { worker, taskQueue } = await createTestWorker(env, db);
    await worker.runUntil(
      env.client.workflow.execute(rescoringRunWorkflow, { taskQueue, workflowId: 'rescore-full/2026-11-25/lending', args: [{ onDay: '2026-11-25', scenarios: ['base', 'lending'] }] }),
    );
    const differing = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM scores b JOIN scores l ON l.person_id = b.person_id AND l.scenario = 'lending'
       WHERE b.scenario = 'base' AND l.score <> b.score`,
    );
    // Tax refusal counts -50 in the base model and -100 in lending (promise-keeping weighted double).
    expect(differing.rows[0]!.n).toBe(PERSONS / 4);
    const example = await db.pool.query<{ base: number; lending: number }>(
      `SELECT b.score AS base, l.score AS lending FROM scores b JOIN scores l ON l.person_id = b.person_id AND l.scenario = 'lending'
       WHERE b.scenario = 'base' AND l.score <> b.score LIMIT 1`,
    );
    expect(example.rows[0]!.base - example.rows[0]!.lending).toBe(50);
  });
});
