import { WithStartWorkflowOperation } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { addDays, shanghaiDayOf } from '../../src/domain/working-days';
import { scheduleActivationUpdate, scoreModelWorkflowType, type ScoreModelWorkflow } from '../../src/workflows/scoring/contract';
import { workflowTestBed } from '../support/workflow-bed';

describe('Art. 13 a model takes effect on its effective day, waited for durably', () => {
  const bed = workflowTestBed({
    // 10:00 in Jinan on 5 October; the comment on base-v2 ended on 4 October.
    startAt: new Date('2026-10-05T02:00:00Z'),
    prepare: (db) =>
      db.pool.query(
        `INSERT INTO score_models (id, scenario, version, status, definition, description, comment_from, comment_until, created_by)
         SELECT 'base-v2', 'base', 2, 'public-comment', definition, 'the next base model', '2026-09-01', '2026-10-04', 'institution-analyst-sun'
         FROM score_models WHERE id = 'base-v1'`,
      ),
  });
  const status = async (id: string) => (await bed.db.pool.query<{ status: string; effective_from: string | null }>('SELECT status, effective_from FROM score_models WHERE id = $1', [id])).rows[0];

  it('answers once the activation is scheduled, waits to the first instant of the day in Jinan, then activates and rescores', async () => {
    const change = { kind: 'transition' as const, modelId: 'base-v2', to: 'active' as const, effectiveFrom: '2026-10-08', by: 'ndrc-models-zhao' };
    const scheduled = await bed.env.client.workflow.executeUpdateWithStart(scheduleActivationUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation<ScoreModelWorkflow>(scoreModelWorkflowType, {
        taskQueue: bed.taskQueue,
        workflowId: 'score-model/base-v2/active-scheduled',
        workflowIdConflictPolicy: 'FAIL',
        args: [change],
      }),
    });
    expect(scheduled).toEqual({ modelId: 'base-v2', effectiveFrom: '2026-10-08' });
    expect(await status('base-v2')).toEqual({ status: 'public-comment', effective_from: '2026-10-08' });

    const handle = bed.env.client.workflow.getHandle('score-model/base-v2/active-scheduled');
    // 23:59 on 7 October in Jinan: still waiting.
    await bed.env.sleep(new Date('2026-10-07T15:59:00Z').getTime() - (await bed.env.currentTimeMs()));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await status('base-v2'))!.status).toBe('public-comment');
    expect((await status('base-v1'))!.status).toBe('active');

    const result = await handle.result();
    expect(result).toMatchObject({ modelId: 'base-v2', status: 'active', effectiveFrom: '2026-10-08', rescoring: { runId: expect.any(String) } });
    expect(await status('base-v2')).toEqual({ status: 'active', effective_from: '2026-10-08' });
    expect((await status('base-v1'))!.status).toBe('retired');
  });

  it('refuses to schedule an activation before the comment has ended, and writes nothing', async () => {
    const today = shanghaiDayOf(new Date(await bed.env.currentTimeMs()));
    await bed.db.pool.query(
      `INSERT INTO score_models (id, scenario, version, status, definition, description, comment_until, created_by)
       SELECT 'lending-v2', 'lending', 2, 'public-comment', definition, 'the next lending model', $1, 'institution-analyst-sun' FROM score_models WHERE id = 'lending-v1'`,
      [addDays(today, 20)],
    );
    const refused = bed.env.client.workflow.executeUpdateWithStart(scheduleActivationUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation<ScoreModelWorkflow>(scoreModelWorkflowType, {
        taskQueue: bed.taskQueue,
        workflowId: 'score-model/lending-v2/active-too-early',
        workflowIdConflictPolicy: 'FAIL',
        args: [{ kind: 'transition', modelId: 'lending-v2', to: 'active', effectiveFrom: addDays(today, 10), by: 'ndrc-models-zhao' }],
      }),
    });
    await expect(refused).rejects.toMatchObject({ cause: { type: 'CommentPeriodOpen' } });
    expect(await status('lending-v2')).toEqual({ status: 'public-comment', effective_from: null });
    expect((await bed.env.client.workflow.getHandle('score-model/lending-v2/active-too-early').describe()).status.name).toBe('COMPLETED');
  });
});
