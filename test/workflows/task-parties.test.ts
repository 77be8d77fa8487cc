import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inbox } from '../../src/api/tasks/queries';
import { fileDeclarationUpdate } from '../../src/workflows/declaration/contract';
import { declarationWorkflow } from '../../src/workflows/declaration/declaration';
import { objectionWorkflow } from '../../src/workflows/objection/objection';
import { completeTaskUpdate, type TaskActor } from '../../src/workflows/shared/contract';
import { FIXTURE_CLERK, NDRC_REVIEWER, RepairFixture } from '../support/repair-fixtures';
import { workflowTestBed } from '../support/workflow-bed';

const PROVIDER = { id: 'fixture-provider', kind: 'provider' as const };
const AGENCY = { id: 'fixture-agency', kind: 'agency' as const };
const PROVIDER_CLERK: TaskActor = { subject: 'provider-clerk', role: 'provider', agencyId: PROVIDER.id };

/** Every kind of human task, with every party that can answer for one. */
const EVERY_TASK = [
  'objection-triage by ndrc',
  'objection-decision by ndrc',
  'objection-verification by agency',
  'objection-verification by provider',
  'repair-performance by agency',
  'repair-performance by provider',
  'repair-deferral by agency',
  'repair-deferral by provider',
  'repair-instalment by agency',
  'repair-instalment by provider',
  'repair-completeness by ndrc',
  'repair-decision by agency',
  'repair-decision by provider',
  'repair-sector-decision by agency',
  'repair-sector-decision by provider',
  'declaration-verification by agency',
];

// Tuesday 29 September 2026, 10:00 in Jinan. A general-tier record formed on 1 June counts until 1 June 2027.
describe('Art. 11, 20, 21 every human task can be finished by its party: listed in its inbox, decided with its token', () => {
  const bed = workflowTestBed({
    startAt: new Date('2026-09-29T02:00:00Z'),
    prepare: async (db) => {
      await RepairFixture.prepare(db);
      await db.pool.query(`INSERT INTO agencies (id, name, kind) VALUES ($1, 'Fixture provider', 'provider')`, [PROVIDER.id]);
    },
  });
  const repairs = new RepairFixture(
    () => bed.db.pool,
    () => bed.env.client,
    () => bed.taskQueue,
  );
  const finished = new Set<string>();

  const party = (actor: TaskActor) => (actor.role === 'ndrc' ? 'ndrc' : actor.role);
  const clerkOf = (sharer: typeof AGENCY | typeof PROVIDER) => (sharer.kind === 'provider' ? PROVIDER_CLERK : FIXTURE_CLERK);

  /** The process's open task of `kind`, found in the party's own inbox, decided with the party's token. */
  async function decide(handle: WorkflowHandle, kind: string, actor: TaskActor, decision: string, extra: Record<string, unknown> = {}): Promise<void> {
    let taskId: string | undefined;
    await expect
      .poll(async () => {
        const listed = await inbox(bed.db.pool, { subject: actor.subject, role: actor.role, ...(actor.agencyId ? { agencyId: actor.agencyId } : {}) }, { state: 'open', limit: 200 });
        taskId = listed.find((task) => task.workflow_id === handle.workflowId && task.kind === kind)?.id;
        return taskId;
      }, { timeout: 10_000 })
      .toBeDefined();
    await handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: taskId!, actor, decision, reasons: `decided: ${decision}`, ...extra }] });
    finished.add(`${kind} by ${party(actor)}`);
  }

  function object(personId: string, recordId: string) {
    const objectionId = randomUUID();
    return bed.env.client.workflow.start(objectionWorkflow, {
      taskQueue: bed.taskQueue,
      workflowId: `objection/${objectionId}`,
      args: [{ objectionId, personId, target: { kind: 'record', recordId }, reason: 'The record is wrong', evidence: [], filedBy: 'applicant' }],
    });
  }

  it('objections: NDRC triages and decides; the agency or the market provider that shared the record verifies', async () => {
    for (const sharer of [AGENCY, PROVIDER]) {
      const { personId } = await repairs.resident();
      const handle = await object(personId, await repairs.record(personId, sharer.kind === 'provider' ? 'loan-overdue' : 'administrative-penalty', '2026-06-01', sharer));
      await decide(handle, 'objection-triage', NDRC_REVIEWER, 'forward-to-agency');
      await decide(handle, 'objection-verification', clerkOf(sharer), 'uphold');
    }
    const { personId } = await repairs.resident();
    const inHouse = await object(personId, await repairs.record(personId, 'administrative-penalty', '2026-06-01'));
    await decide(inHouse, 'objection-triage', NDRC_REVIEWER, 'handle-in-house');
    await decide(inHouse, 'objection-decision', NDRC_REVIEWER, 'uphold');
  });

  it('repairs: the sharer confirms, grants, decides and rules under its sector rules; NDRC checks completeness', async () => {
    for (const sharer of [AGENCY, PROVIDER]) {
      const clerk = clerkOf(sharer);
      const typeCode = sharer.kind === 'provider' ? 'loan-overdue' : 'administrative-penalty';
      const { personId } = await repairs.resident();
      const performance = repairs.file(personId, await repairs.record(personId, typeCode, '2026-06-01', sharer), 'performance');
      await performance.filing;
      await decide(performance.handle, 'repair-performance', clerk, 'met');
      await decide(performance.handle, 'repair-completeness', NDRC_REVIEWER, 'complete');
      await decide(performance.handle, 'repair-decision', clerk, 'approve');

      const deferral = repairs.file(personId, await repairs.record(personId, typeCode, '2026-06-01', sharer), 'deferral');
      await deferral.filing;
      await decide(deferral.handle, 'repair-deferral', clerk, 'grant', { schedule: ['2026-09-30'] });
      await decide(deferral.handle, 'repair-instalment', clerk, 'paid');

      // A record whose maximum period ends on 5 October, its obligation found unmet: the sharer rules when it ends.
      const sector = repairs.file(personId, await repairs.record(personId, typeCode, '2025-10-05', sharer), 'performance');
      await sector.filing;
      await decide(sector.handle, 'repair-performance', clerk, 'not-met');
    }
    await bed.env.sleep('7 days');
    for (const sharer of [AGENCY, PROVIDER]) {
      const open = await bed.db.pool.query<{ workflow_id: string }>(`SELECT workflow_id FROM tasks WHERE kind = 'repair-sector-decision' AND agency_id = $1 AND state = 'open'`, [sharer.id]);
      expect(open.rows).toHaveLength(1);
      await decide(bed.env.client.workflow.getHandle(open.rows[0]!.workflow_id), 'repair-sector-decision', clerkOf(sharer), 'close-moot');
    }
  });

  it('declarations: the competent agency verifies', async () => {
    const { personId } = await repairs.resident();
    const declarationId = randomUUID();
    const workflowId = `declaration/${declarationId}`;
    await bed.env.client.workflow.executeUpdateWithStart(fileDeclarationUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation(declarationWorkflow, {
        taskQueue: bed.taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'FAIL',
        args: [
          {
            declarationId,
            personId,
            declaration: { category: 'honours', typeCode: 'honour-municipal', formedOn: '2026-09-01', details: {}, evidence: [{ kind: 'certificate', ref: 'c-1' }], verifierId: AGENCY.id },
            filedBy: 'declarant',
          },
        ],
      }),
    });
    await decide(bed.env.client.workflow.getHandle(workflowId), 'declaration-verification', FIXTURE_CLERK, 'accept');
  });

  it('covers every kind of task and every party that answers for one', () => {
    expect([...finished].sort()).toEqual([...EVERY_TASK].sort());
  });
});
