import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root';
import { rescoringRunWorkflowType, type RescoringRunWorkflow } from '../../src/workflows/scoring/contract';
import { freePort } from '../support/ports';
import { startPlatform, type RunningPlatform } from '../support/platform';
import { seedScoredPersons } from '../support/scoring-fixtures';

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs one of the platform's entrypoints as its own process, as `npm run worker` / `npm run api` do. */
function run(entrypoint: string, env: NodeJS.ProcessEnv): Started {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', entrypoint], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('Scaling out: workers and API instances started alone against one Temporal and one Postgres', () => {
  let platform: RunningPlatform;
  const started: Started[] = [];

  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(async () => {
    for (const process of started) process.child.kill('SIGKILL');
    await platform?.stop();
  });

  it('runs a second worker (npm run worker) on the task queue, and a full rescoring fans its ranges out to both', async () => {
    const second = run('src/workers/worker.ts', platform.processEnv);
    started.push(second);
    await expect.poll(second.output, { timeout: 60_000, interval: 250 }).toContain('Worker polling task queue');
    await seedScoredPersons(platform.db.pool, 400);

    const handle = await platform.client.workflow.start<RescoringRunWorkflow>(rescoringRunWorkflowType, {
      taskQueue: platform.processEnv.TEMPORAL_TASK_QUEUE!,
      workflowId: 'rescore-full/scale-out',
      args: [{ onDay: '2026-11-25', pageSize: 10 }],
    });
    await expect(handle.result()).resolves.toMatchObject({ personsScored: 400 });
    const workers = await platform.db.pool.query<{ scored_by: string; ranges: number }>(
      `SELECT scored_by, count(*)::int AS ranges FROM rescoring_ranges WHERE run_id = 'rescore-full/scale-out' GROUP BY scored_by`,
    );
    expect(workers.rows).toHaveLength(2);
    expect(workers.rows.reduce((sum, row) => sum + row.ranges, 0)).toBe(40);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);

  it('serves the API from a process of its own (npm run api)', async () => {
    const port = await freePort();
    const api = run('src/workers/api.ts', { ...platform.processEnv, API_PORT: String(port) });
    started.push(api);
    await expect.poll(api.output, { timeout: 60_000, interval: 250 }).toContain('API listening');
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ status: 'ok', postgres: 'up', temporal: 'up' });
    const calendar = await fetch(`http://127.0.0.1:${port}/calendar/years/2026`, { headers: { authorization: `Bearer ${await platform.token('agency', { agency: 'city-court' })}` } });
    expect(calendar.status).toBe(200);

    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  }, 120_000);
});
