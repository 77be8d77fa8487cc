import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SlaStageSpec } from '../../src/domain/sla';
import { calendarChangeWorkflow } from '../../src/workflows/calendar/change';
import type { TestDatabase } from '../support/database';
import { completed } from '../support/time-skipping';
import { workflowTestBed } from '../support/workflow-bed';
import { finishSignal, slaProbeWorkflow, stageQuery } from '../support/workflows';

const agencyStage: SlaStageSpec = {
  process: 'objection',
  stage: 'agency-verification',
  article: 'Art. 20',
  workingDays: 3,
  responsible: { role: 'agency', agencyId: 'city-market-regulation' },
};

describe('Working days: a calendar change moves the deadlines of running processes', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let taskQueue: string;
  const bed = workflowTestBed({ startAt: new Date('2026-09-30T02:00:00Z') });
  beforeAll(() => ({ env, db, taskQueue } = bed));

  it('moves an open stage when an admin corrects a day (a mid-year change of arrangements)', async () => {
    const stage = await env.client.workflow.start(slaProbeWorkflow, { taskQueue, workflowId: 'objection/corrected', args: [agencyStage] });
    await expect.poll(() => stage.query(stageQuery)).toMatchObject({ dueAt: '2026-10-10T16:00:00.000Z' });

    const change = await env.client.workflow.start(calendarChangeWorkflow, {
      taskQueue,
      workflowId: 'calendar/2026-10-09-correction',
      args: [{ kind: 'correct-days', days: [{ day: '2026-10-09', isWorkingDay: false, note: 'test: extra rest day' }], requestedBy: 'admin-1' }],
    });
    await completed(change);

    // Friday 9 Oct no longer counts: Sat 10 Oct (make-up) is the 2nd working day, Mon 12 Oct the 3rd.
    await expect.poll(() => stage.query(stageQuery)).toMatchObject({ dueAt: '2026-10-12T16:00:00.000Z', state: 'on-track' });
    const row = await db.pool.query('SELECT due_at, remind_at FROM sla_stages WHERE workflow_id = $1', ['objection/corrected']);
    expect(row.rows[0].due_at.toISOString()).toBe('2026-10-12T16:00:00.000Z');
    expect(row.rows[0].remind_at.toISOString()).toBe('2026-10-10T16:00:00.000Z');
    const day = await db.pool.query("SELECT is_working_day, source FROM calendar_days WHERE day = '2026-10-09'");
    expect(day.rows[0]).toEqual({ is_working_day: false, source: 'admin-correction' });
    await stage.signal(finishSignal);
    await completed(stage);
  });

  it('marks a deadline in a year without a notice provisional, and recomputes it when the year is loaded', async () => {
    const stage = await env.client.workflow.start(slaProbeWorkflow, {
      taskQueue,
      workflowId: 'objection/new-year',
      args: [agencyStage, '2026-12-30'],
    });
    // Provisional 2027: 1 Jan is a statutory holiday, so Thu 31 Dec, Mon 4 Jan and Tue 5 Jan count.
    await expect.poll(() => stage.query(stageQuery)).toMatchObject({ dueAt: '2027-01-05T16:00:00.000Z', provisional: true });

    const change = await env.client.workflow.start(calendarChangeWorkflow, {
      taskQueue,
      workflowId: 'calendar/2027-load',
      args: [
        {
          kind: 'load-year',
          year: 2027,
          requestedBy: 'admin-1',
          days: [
            ...Array.from({ length: 365 }, (_, i) => {
              const day = new Date(Date.UTC(2027, 0, 1 + i)).toISOString().slice(0, 10);
              const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
              // A hypothetical notice that also rests on Monday 4 January.
              const rest = weekday === 0 || weekday === 6 || day === '2027-01-01' || day === '2027-01-04';
              return { day, isWorkingDay: !rest, note: rest && weekday > 0 && weekday < 6 ? "New Year's Day" : null };
            }),
          ],
        },
      ],
    });
    await completed(change);

    await expect.poll(() => stage.query(stageQuery)).toMatchObject({ dueAt: '2027-01-06T16:00:00.000Z', provisional: false });
    const published = await db.pool.query('SELECT count(*)::int AS days FROM calendar_days WHERE extract(year FROM day) = 2027');
    expect(published.rows[0].days).toBe(365);
    expect(await change.result()).toMatchObject({ days: 365, signalled: 1 });
  });
});
