import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SlaStageSpec } from '../../src/domain/sla';
import { SlaStateKey } from '../../src/workflows/shared/contract';
import type { TestDatabase } from '../support/database';
import { completed } from '../support/time-skipping';
import { workflowTestBed } from '../support/workflow-bed';
import { finishSignal, slaProbeWorkflow, stageQuery } from '../support/workflows';

// 10:00 Asia/Shanghai on Wednesday 30 September 2026, the last working day before National Day.
const BEFORE_NATIONAL_DAY = new Date('2026-09-30T02:00:00Z');

const threeDayStage: SlaStageSpec = {
  process: 'objection',
  stage: 'ndrc-review',
  article: 'Art. 20',
  workingDays: 3,
  responsible: { role: 'ndrc' },
};

describe('SLA stage across the 2026 National Day holiday', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let taskQueue: string;
  const bed = workflowTestBed({ startAt: BEFORE_NATIONAL_DAY });
  beforeAll(() => ({ env, db, taskQueue } = bed));

  async function stageRow(workflowId: string) {
    const result = await db.pool.query('SELECT * FROM sla_stages WHERE workflow_id = $1', [workflowId]);
    return result.rows[0];
  }

  async function notices(workflowId: string) {
    const result = await db.pool.query<{ kind: string; recipient_role: string; recipient_id: string | null }>(
      'SELECT kind, recipient_role, recipient_id FROM notifications WHERE workflow_id = $1 ORDER BY created_at, kind',
      [workflowId],
    );
    return result.rows;
  }

  async function sleepUntil(instant: string) {
    await env.sleep(Date.parse(instant) - (await env.currentTimeMs()));
  }

  it('reminds at the end of 9 Oct, flags and escalates the breach after 24:00 on 10 Oct, and stays open until closed', async () => {
    const workflowId = 'objection/national-day-late';
    const handle = await env.client.workflow.start(slaProbeWorkflow, { taskQueue, workflowId, args: [threeDayStage] });
    await expect.poll(() => handle.query(stageQuery)).toMatchObject({ state: 'on-track', dueAt: '2026-10-10T16:00:00.000Z', provisional: false });

    await sleepUntil('2026-10-09T15:59:00Z');
    expect((await handle.query(stageQuery))?.state).toBe('on-track');

    await sleepUntil('2026-10-09T16:01:00Z');
    await expect.poll(() => handle.query(stageQuery)).toMatchObject({ state: 'due-soon' });
    expect(await stageRow(workflowId)).toMatchObject({ state: 'due-soon', finished_at: null });
    expect(await notices(workflowId)).toEqual([{ kind: 'sla-reminder', recipient_role: 'ndrc', recipient_id: null }]);

    await sleepUntil('2026-10-10T16:01:00Z');
    await expect.poll(() => handle.query(stageQuery)).toMatchObject({ state: 'breached' });
    const breached = await stageRow(workflowId);
    expect(breached).toMatchObject({ state: 'breached', finished_at: null });
    // The breach is flagged when the due time's timer fires: 24:00 on 10 October.
    expect(breached.breached_at.getTime() - Date.parse('2026-10-10T16:00:00Z')).toBeLessThan(1_000);
    expect((await handle.describe()).typedSearchAttributes.get(SlaStateKey)).toBe('breached');
    expect((await notices(workflowId)).map((n) => `${n.kind}:${n.recipient_role}`).sort()).toEqual([
      'sla-breach:ndrc',
      'sla-escalation:supervisor',
      'sla-reminder:ndrc',
    ]);

    await handle.signal(finishSignal);
    await completed(handle);
    const closed = await stageRow(workflowId);
    expect(closed.state).toBe('breached');
    expect(closed.finished_at).not.toBeNull();
  });

  it('closes as met when the work is done before the due time', async () => {
    const workflowId = 'objection/on-time';
    const handle = await env.client.workflow.start(slaProbeWorkflow, { taskQueue, workflowId, args: [threeDayStage] });
    await expect.poll(() => handle.query(stageQuery)).toMatchObject({ state: 'on-track' });
    await handle.signal(finishSignal);
    await completed(handle);
    const closed = await stageRow(workflowId);
    expect(closed.state).toBe('met');
    expect(closed.finished_at.getTime()).toBeLessThan(closed.due_at.getTime());
    expect((await handle.describe()).typedSearchAttributes.get(SlaStateKey)).toBe('met');
  });

  it('counts from a given start day, the way Art. 10 counts from the day information was formed', async () => {
    const workflowId = 'record-sharing/court/formed-before-holiday';
    const handle = await env.client.workflow.start(slaProbeWorkflow, {
      taskQueue,
      workflowId,
      args: [{ process: 'record-sharing', stage: 'share-record', article: 'Art. 10', workingDays: 7, responsible: { role: 'agency', agencyId: 'city-court' } }, '2026-09-30'],
    });
    await expect.poll(() => handle.query(stageQuery)).toMatchObject({ dueAt: '2026-10-15T16:00:00.000Z' });
    await handle.signal(finishSignal);
    await completed(handle);
    expect(await stageRow(workflowId)).toMatchObject({ agency_id: 'city-court', working_days: 7, start_day: '2026-09-30' });
  });
});
