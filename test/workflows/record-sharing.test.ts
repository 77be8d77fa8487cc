import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { storeShareOnTime } from '../../src/activities/records/store';
import { loadCatalogue } from '../../src/db/record-store/catalogue';
import { withTransaction } from '../../src/db/transaction';
import { recordTier } from '../../src/domain/record-types';
import { IdentityProtection } from '../../src/db/persons';
import { parseIdentityNumber } from '../../src/domain/identity-number';
import type { SharedRecord } from '../../src/domain/record';
import { calendarChangeWorkflow } from '../../src/workflows/calendar/change';
import { obligationQuery, shareRecordUpdate, withdrawObligationUpdate } from '../../src/workflows/records/contract';
import { recordSharingWorkflow } from '../../src/workflows/records/sharing';
import { testConfig } from '../support/config';
import type { TestDatabase } from '../support/database';
import { identityNumber } from '../support/identities';
import { completed } from '../support/time-skipping';
import { workflowTestBed } from '../support/workflow-bed';

const identity = new IdentityProtection(testConfig);

function sharedPenalty(reference: string, formedOn: string): SharedRecord {
  const parsed = parseIdentityNumber(identityNumber('1985-03-02', 417));
  if (!parsed.ok) throw new Error(parsed.reason);
  return {
    reference,
    person: identity.sealedPerson(parsed.identity),
    category: 'administrative',
    typeCode: 'administrative-penalty',
    formedOn,
    evidence: [{ kind: 'decision', ref: `decision ${reference}` }],
    details: { procedure: 'general' },
  };
}

describe('Art. 10 sharing within 7 working days of formation', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let taskQueue: string;
  const bed = workflowTestBed({
    startAt: new Date('2026-09-30T02:00:00Z'),
    prepare: async (db) => {
      await db.pool.query(`INSERT INTO agencies (id, name, kind) VALUES ('jinan-market-regulation', 'Jinan Market Regulation Bureau', 'agency')`);
    },
  });
  beforeAll(() => ({ env, db, taskQueue } = bed));

  const announce = (reference: string, formedOn = '2026-09-30') =>
    env.client.workflow.start(recordSharingWorkflow, {
      taskQueue,
      workflowId: `record-sharing/jinan-market-regulation/${reference}`,
      args: [{ sharerId: 'jinan-market-regulation', sharerKind: 'agency', reference, formedOn }],
    });

  async function sleepUntil(instant: string) {
    await env.sleep(Date.parse(instant) - (await env.currentTimeMs()));
  }

  /** What the Web UI shows as the workflow's current details, read through the SDK's metadata query. */
  const currentDetails = async (handle: WorkflowHandle) => (await handle.query(workflowMetadataQuery)).currentDetails;

  async function notices(workflowId: string) {
    const rows = await db.pool.query<{ kind: string; recipient_role: string }>(
      'SELECT kind, recipient_role FROM notifications WHERE workflow_id = $1 ORDER BY kind',
      [workflowId],
    );
    return rows.rows.map((row) => `${row.kind}:${row.recipient_role}`);
  }

  it('gives information formed the day before National Day a due time of 24:00 on 15 Oct, reminds, flags the breach, and accepts late sharing marked late', async () => {
    const handle = await announce('PEN-2026-0930-1');
    await expect.poll(() => handle.query(obligationQuery)).toMatchObject({ state: 'open', dueAt: '2026-10-15T16:00:00.000Z', slaState: 'on-track' });
    expect(await currentDetails(handle)).toBe(
      '等待机构 jinan-market-regulation 共享 2026-09-30 形成的信用信息，期限 2026-10-15 24:00（上海时间），未逾期。\n\n' +
        'Waiting for agency jinan-market-regulation to share the information formed on 2026-09-30, due 2026-10-15 24:00 (Shanghai time): not overdue.',
    );

    await sleepUntil('2026-10-14T16:01:00Z');
    await expect.poll(() => handle.query(obligationQuery)).toMatchObject({ slaState: 'due-soon' });
    expect(await notices(handle.workflowId)).toEqual(['sla-reminder:agency']);
    expect(await currentDetails(handle)).toContain('due 2026-10-15 24:00 (Shanghai time): due soon, not overdue yet.');

    await sleepUntil('2026-10-15T16:01:00Z');
    await expect.poll(() => handle.query(obligationQuery)).toMatchObject({ state: 'open', slaState: 'breached' });
    expect(await notices(handle.workflowId)).toEqual(['sla-breach:agency', 'sla-escalation:supervisor', 'sla-reminder:agency']);
    expect(await currentDetails(handle)).toContain('期限 2026-10-15 24:00（上海时间），已逾期。');
    expect(await currentDetails(handle)).toContain('due 2026-10-15 24:00 (Shanghai time): overdue: the deadline has passed.');

    const outcome = await handle.executeUpdate(shareRecordUpdate, { args: [sharedPenalty('PEN-2026-0930-1', '2026-09-30')] });
    expect(outcome).toMatchObject({ status: 'accepted', version: 1, late: true });
    await completed(handle);
    expect(await currentDetails(handle)).toBe('已共享（逾期）\n\nShared late');

    const record = await db.pool.query('SELECT shared_late, status, version, person_id FROM records WHERE reference = $1', ['PEN-2026-0930-1']);
    expect(record.rows[0]).toMatchObject({ shared_late: true, status: 'active', version: 1 });
    const obligation = await db.pool.query('SELECT state, shared_late FROM obligations WHERE workflow_id = $1', [handle.workflowId]);
    expect(obligation.rows[0]).toEqual({ state: 'shared', shared_late: true });
    const stage = await db.pool.query('SELECT state, finished_at FROM sla_stages WHERE workflow_id = $1', [handle.workflowId]);
    expect(stage.rows[0].state).toBe('breached');
    expect(stage.rows[0].finished_at).not.toBeNull();
    expect(await notices(handle.workflowId)).toContain('record-added:person');
    const rescore = await db.pool.query('SELECT answered_by FROM rescore_requests WHERE person_id = $1', [record.rows[0].person_id]);
    expect(rescore.rows).toEqual([{ answered_by: `rescore-person/${record.rows[0].person_id}` }]);
  });

  it('lets the agency withdraw an obligation with a reason', async () => {
    const handle = await announce('PEN-2026-0930-2');
    expect(await handle.executeUpdate(withdrawObligationUpdate, { args: [{ reason: 'announced in error: decision annulled' }] })).toEqual({ state: 'withdrawn' });
    await completed(handle);
    const obligation = await db.pool.query('SELECT state, withdrawn_reason FROM obligations WHERE workflow_id = $1', [handle.workflowId]);
    expect(obligation.rows[0]).toEqual({ state: 'withdrawn', withdrawn_reason: 'announced in error: decision annulled' });
    const stage = await db.pool.query('SELECT finished_at FROM sla_stages WHERE workflow_id = $1', [handle.workflowId]);
    expect(stage.rows[0].finished_at).not.toBeNull();
  });

  it('refuses a record that breaks the schema in the Update validator, and writes nothing', async () => {
    const handle = await announce('PEN-2026-0930-3', '2026-10-16');
    await expect.poll(() => handle.query(obligationQuery)).toMatchObject({ state: 'open' });
    const simple = { ...sharedPenalty('PEN-2026-0930-3', '2026-10-16'), details: { procedure: 'simple' } };
    await expect(handle.executeUpdate(shareRecordUpdate, { args: [simple] })).rejects.toThrow();
    const stored = await db.pool.query('SELECT count(*)::int AS n FROM records WHERE reference = $1', ['PEN-2026-0930-3']);
    expect(stored.rows[0].n).toBe(0);
    expect(await handle.query(obligationQuery)).toMatchObject({ state: 'open' });
  });

  it('closes an announced obligation met when its record was taken on time, without a workflow, before its first step', async () => {
    const record = sharedPenalty('PEN-2026-0930-4', '2026-09-30');
    const workflowId = 'record-sharing/jinan-market-regulation/PEN-2026-0930-4';
    const taken = await withTransaction(db.pool, async (client) =>
      storeShareOnTime(client, {
        workflowId,
        recordId: randomUUID(),
        sharerId: 'jinan-market-regulation',
        sharerKind: 'agency',
        record,
        tier: recordTier((await loadCatalogue(client)).get(record.typeCode)!, record),
        sharedAt: new Date(await env.currentTimeMs()).toISOString(),
        late: false,
        rescoredBy: 'rescore-requests/test',
      }),
    );
    expect(taken).toMatchObject({ status: 'accepted' });
    const handle = await announce('PEN-2026-0930-4');
    expect(await handle.result()).toMatchObject({ state: 'shared', late: false, recordId: (taken as { recordId: string }).recordId, dueAt: null });
    expect(await currentDetails(handle)).toBe('已共享\n\nShared');
    expect((await db.pool.query('SELECT count(*)::int AS n FROM sla_stages WHERE workflow_id = $1', [workflowId])).rows[0].n).toBe(0);
    expect(await notices(workflowId)).toEqual(['record-added:person']);
  });

  it('moves an open obligation when the calendar changes', async () => {
    const handle = await announce('PEN-2026-1016-1', '2026-10-16');
    // 7 working days after Friday 16 Oct: Mon 19 ... Tue 27 Oct.
    await expect.poll(() => handle.query(obligationQuery)).toMatchObject({ dueAt: '2026-10-27T16:00:00.000Z' });
    const change = await env.client.workflow.start(calendarChangeWorkflow, {
      taskQueue,
      workflowId: 'calendar/2026-10-20-correction',
      args: [{ kind: 'correct-days', days: [{ day: '2026-10-20', isWorkingDay: false, note: 'test: extra rest day' }], requestedBy: 'admin-1' }],
    });
    await completed(change);
    await expect.poll(() => handle.query(obligationQuery)).toMatchObject({ dueAt: '2026-10-28T16:00:00.000Z' });
  });
});
