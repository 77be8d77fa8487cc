import { WithStartWorkflowOperation } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { publishedRepairRulesUpdate, repairRulesWorkflowType, type RepairRulesWorkflow } from '../../src/workflows/repair/contract';
import { workflowTestBed } from '../support/workflow-bed';

describe('Art. 21 repair conditions come into force on their effective day, waited for durably (Order 36)', () => {
  const bed = workflowTestBed({
    // 10:00 in Jinan on 5 October.
    startAt: new Date('2026-10-05T02:00:00Z'),
  });
  const versions = async () =>
    (await bed.db.pool.query<{ version: number; status: string; effective_from: string; retired: number | null }>(
      'SELECT version, status, effective_from, retired FROM repair_rules ORDER BY version',
    )).rows;

  it('answers once the version is scheduled, keeps the version in force until the first instant of the day in Jinan, then retires it', async () => {
    const [{ definition }] = (await bed.db.pool.query('SELECT definition FROM repair_rules WHERE version = 1')).rows;
    const publication = { publicationId: '6f1c1d0e-5a43-4c1e-9f53-0d1f4f3a9b21', definition, description: 'from 8 October', publishedBy: 'ndrc-credit-li', effectiveFrom: '2026-10-08' };
    const workflowId = `repair-rules/${publication.publicationId}`;
    const published = await bed.env.client.workflow.executeUpdateWithStart(publishedRepairRulesUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation<RepairRulesWorkflow>(repairRulesWorkflowType, {
        taskQueue: bed.taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'FAIL',
        args: [publication],
      }),
    });
    expect(published).toEqual({ version: 2, status: 'scheduled', effectiveFrom: '2026-10-08', retired: null });
    expect(await versions()).toMatchObject([{ version: 1, status: 'active' }, { version: 2, status: 'scheduled', effective_from: '2026-10-08' }]);

    const handle = bed.env.client.workflow.getHandle(workflowId);
    // 23:59 on 7 October in Jinan: version 1 is still the one applications are filed under.
    await bed.env.sleep(new Date('2026-10-07T15:59:00Z').getTime() - (await bed.env.currentTimeMs()));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await versions()).map((v) => v.status)).toEqual(['active', 'scheduled']);

    expect(await handle.result()).toEqual({ version: 2, status: 'active', effectiveFrom: '2026-10-08', retired: 1 });
    expect(await versions()).toMatchObject([{ version: 1, status: 'retired' }, { version: 2, status: 'active', retired: 1 }]);
  });

  it('lets the later publication win: a version scheduled earlier is retired on its day without coming into force when a later one already is', async () => {
    const [{ definition }] = (await bed.db.pool.query('SELECT definition FROM repair_rules WHERE version = 1')).rows;
    const publish = (publicationId: string, effectiveFrom?: string) =>
      bed.env.client.workflow.executeUpdateWithStart(publishedRepairRulesUpdate, {
        startWorkflowOperation: new WithStartWorkflowOperation<RepairRulesWorkflow>(repairRulesWorkflowType, {
          taskQueue: bed.taskQueue,
          workflowId: `repair-rules/${publicationId}`,
          workflowIdConflictPolicy: 'FAIL',
          args: [{ publicationId, definition, description: 'a later version', publishedBy: 'ndrc-credit-li', ...(effectiveFrom ? { effectiveFrom } : {}) }],
        }),
      });
    const today = new Date(await bed.env.currentTimeMs());
    const inTwoDays = new Date(today.getTime() + 2 * 86_400_000).toISOString().slice(0, 10);
    const scheduled = await publish('0b7f4c52-8a1e-4d0c-9d64-2f3c1e5a7b10', inTwoDays);
    expect(scheduled).toMatchObject({ version: 3, status: 'scheduled' });
    expect(await publish('5c2d9e41-7f3a-4b8e-a1c6-9e0f2d4b6a83')).toMatchObject({ version: 4, status: 'active', retired: 2 });
    const ended = await bed.env.client.workflow.getHandle('repair-rules/0b7f4c52-8a1e-4d0c-9d64-2f3c1e5a7b10').result();
    expect(ended).toEqual({ version: 3, status: 'retired', effectiveFrom: inTwoDays, retired: null });
    expect((await versions()).map((v) => `${v.version}:${v.status}`)).toEqual(['1:retired', '2:retired', '3:retired', '4:active']);
  });
});
