import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordCorrection } from '../../src/domain/record';
import { calendarChangeWorkflow } from '../../src/workflows/calendar/change';
import { completeTaskUpdate, type TaskActor } from '../../src/workflows/shared/contract';
import { fileObjectionUpdate, objectionQuery, withdrawObjectionUpdate } from '../../src/workflows/objection/contract';
import { objectionWorkflow } from '../../src/workflows/objection/objection';
import type { TestDatabase } from '../support/database';
import { seedScoredPersons } from '../support/scoring-fixtures';
import { completed } from '../support/time-skipping';
import { workflowTestBed } from '../support/workflow-bed';

const NDRC: TaskActor = { subject: 'ndrc-reviewer-li', role: 'ndrc' };
const AGENCY: TaskActor = { subject: 'fixture-clerk', role: 'agency', agencyId: 'fixture-agency' };
const correction: RecordCorrection = { typeCode: 'administrative-penalty', formedOn: '2026-06-01', details: { procedure: 'general', amountYuan: 100 }, evidence: [] };

/** A refusal by an Update validator: the reason is the cause's message. */
const refused = (reason: RegExp) => ({ cause: { message: expect.stringMatching(reason) } });

describe('Art. 20 objection flow', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let taskQueue: string;
  let persons: string[];
  const bed = workflowTestBed({
    startAt: new Date('2026-09-30T02:00:00Z'),
    prepare: async (db) => {
      persons = await seedScoredPersons(db.pool, 14);
    },
  });
  beforeAll(() => ({ env, db, taskQueue } = bed));

  let nextPerson = 0;
  async function file(options: { receivedOn?: string; target?: 'record' | 'score' } = {}) {
    const personId = persons[nextPerson++]!;
    const record = await db.pool.query<{ id: string }>(`SELECT id FROM records WHERE person_id = $1 AND type_code = 'administrative-penalty'`, [personId]);
    const objectionId = randomUUID();
    const handle = await env.client.workflow.start(objectionWorkflow, {
      taskQueue,
      workflowId: `objection/${objectionId}`,
      args: [
        {
          objectionId,
          personId,
          target: options.target === 'score' ? { kind: 'score' } : { kind: 'record', recordId: record.rows[0]!.id },
          reason: 'The penalty decision was annulled on review',
          evidence: [{ kind: 'decision', ref: 'review decision 2026-118' }],
          ...(options.receivedOn ? { receivedOn: options.receivedOn } : {}),
          filedBy: 'applicant',
        },
      ],
    });
    return { handle, objectionId, personId, recordId: record.rows[0]!.id };
  }

  async function task(handle: WorkflowHandle<typeof objectionWorkflow>, previous?: string): Promise<string> {
    let id: string | null = null;
    await expect
      .poll(async () => {
        id = (await handle.query(objectionQuery)).openTaskId;
        return id !== null && id !== previous;
      }, { timeout: 10_000 })
      .toBe(true);
    return id!;
  }

  const decide = (handle: WorkflowHandle<typeof objectionWorkflow>, taskId: string, actor: TaskActor, decision: string, extra: { correction?: RecordCorrection } = {}) =>
    handle.executeUpdate(completeTaskUpdate, { args: [{ taskId, actor, decision, reasons: `decided: ${decision}`, ...extra }] });

  async function stages(workflowId: string) {
    const rows = await db.pool.query<{ stage: string; state: string; due_at: Date; finished_at: Date | null }>(
      'SELECT stage, state, due_at, finished_at FROM sla_stages WHERE workflow_id = $1 ORDER BY started_at, stage',
      [workflowId],
    );
    return Object.fromEntries(rows.rows.map((row) => [row.stage, { state: row.state, dueAt: row.due_at.toISOString(), closed: row.finished_at !== null }]));
  }

  async function sleepUntil(instant: string) {
    await env.sleep(Date.parse(instant) - (await env.currentTimeMs()));
  }

  /** What the Web UI shows as the workflow's current details, read through the SDK's metadata query. */
  const currentDetails = async (handle: WorkflowHandle) => (await handle.query(workflowMetadataQuery)).currentDetails;

  it('handles in-house on time: 3 working days from receipt the day before National Day end on the make-up Saturday 10 Oct; upheld', async () => {
    const { handle, objectionId, recordId } = await file({ receivedOn: '2026-09-30' });
    const triage = await task(handle);
    expect(await stages(handle.workflowId)).toMatchObject({
      'ndrc-handle': { dueAt: '2026-10-10T16:00:00.000Z', state: 'on-track' },
      'ndrc-forward': { dueAt: '2026-10-09T16:00:00.000Z', state: 'on-track' },
    });
    const disputed = await db.pool.query('SELECT disputed_by FROM records WHERE id = $1', [recordId]);
    expect(disputed.rows[0].disputed_by).toBe(objectionId);

    await decide(handle, triage, NDRC, 'handle-in-house');
    const decision = await task(handle, triage);
    await decide(handle, decision, NDRC, 'uphold');
    await completed(handle);
    expect(await handle.query(objectionQuery)).toMatchObject({ state: 'decided', outcome: 'uphold' });
    expect(await stages(handle.workflowId)).toMatchObject({ 'ndrc-handle': { state: 'met', closed: true }, 'ndrc-forward': { state: 'met', closed: true } });
    const record = await db.pool.query('SELECT disputed_by, version FROM records WHERE id = $1', [recordId]);
    expect(record.rows[0]).toEqual({ disputed_by: null, version: 1 });
    const notice = await db.pool.query(`SELECT body FROM notifications WHERE workflow_id = $1 AND kind = 'objection-decided'`, [handle.workflowId]);
    expect(notice.rows[0].body).toMatchObject({ outcome: 'uphold', reasons: 'decided: uphold' });
  });

  it('forwards on time, and the agency verifies within 5 working days of receiving the forward: removed', async () => {
    const { handle, recordId } = await file({ receivedOn: '2026-09-30' });
    const triage = await task(handle);
    await decide(handle, triage, NDRC, 'forward-to-agency');
    const verification = await task(handle, triage);
    // Received by the agency on 30 Sep: 8, 9, 10 (make-up), 12 and 13 October.
    expect(await stages(handle.workflowId)).toMatchObject({
      'ndrc-forward': { state: 'met', closed: true },
      'agency-verification': { dueAt: '2026-10-13T16:00:00.000Z', state: 'on-track' },
    });
    await decide(handle, verification, AGENCY, 'remove');
    await completed(handle);
    expect(await stages(handle.workflowId)).toMatchObject({ 'agency-verification': { state: 'met', closed: true } });
    const record = await db.pool.query('SELECT status, version, disputed_by FROM records WHERE id = $1', [recordId]);
    expect(record.rows[0]).toEqual({ status: 'revoked', version: 2, disputed_by: null });
  });

  it('says in its current details whom it waits for, for what and until which Shanghai day, whether that is past, and how it ended', async () => {
    const { handle } = await file({ receivedOn: '2026-09-30' });
    const triage = await task(handle);
    expect(await currentDetails(handle)).toBe(
      '等待市发展改革部门决定自行处理异议，或转交机构 fixture-agency 核查，期限 2026-10-09 24:00（上海时间），未逾期。\n\n' +
        'Waiting for NDRC to decide whether to handle the objection itself or forward it to agency fixture-agency, due 2026-10-09 24:00 (Shanghai time): not overdue.',
    );
    await decide(handle, triage, NDRC, 'forward-to-agency');
    const verification = await task(handle, triage);
    // Art. 20: the agency's 5 working days run from 30 Sep, the day it received the forward.
    expect(await currentDetails(handle)).toBe(
      '等待机构 fixture-agency 核查、处理转来的异议，期限 2026-10-13 24:00（上海时间），未逾期。\n\n' +
        'Waiting for agency fixture-agency to verify and handle the forwarded objection, due 2026-10-13 24:00 (Shanghai time): not overdue.',
    );
    await decide(handle, verification, AGENCY, 'uphold');
    await completed(handle);
    expect(await currentDetails(handle)).toBe('已办结（机构 fixture-agency）：维持原信息\n\nDecided by agency fixture-agency: upheld');

    // Received on 13 Feb: the 2 working days to forward ended on 24 Feb.
    const late = await file({ receivedOn: '2026-02-13' });
    await task(late.handle);
    await expect.poll(() => currentDetails(late.handle)).toContain('期限 2026-02-24 24:00（上海时间），已逾期。');
    expect(await currentDetails(late.handle)).toContain('due 2026-02-24 24:00 (Shanghai time): overdue: the deadline has passed.');
    await late.handle.executeUpdate(withdrawObjectionUpdate, { args: [{ personId: late.personId }] });
    await completed(late.handle);
    expect(await currentDetails(late.handle)).toBe('申请人已撤回异议\n\nWithdrawn by the applicant');
  });

  it('refuses a wrong role, a completed task and a malformed decision in the validator, recording nothing', async () => {
    const { handle } = await file({ receivedOn: '2026-09-30' });
    const triage = await task(handle);
    const before = await db.pool.query('SELECT count(*)::int AS n FROM task_events WHERE task_id = $1', [triage]);
    await expect(decide(handle, triage, AGENCY, 'forward-to-agency')).rejects.toMatchObject(refused(/role ndrc/));
    await expect(decide(handle, triage, NDRC, 'maybe')).rejects.toMatchObject(refused(/decision must be one of/));
    await expect(handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: triage, actor: NDRC, decision: 'handle-in-house', reasons: '' }] })).rejects.toMatchObject(refused(/reasons/));
    const after = await db.pool.query('SELECT count(*)::int AS n FROM task_events WHERE task_id = $1', [triage]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
    const row = await db.pool.query('SELECT state, decision FROM tasks WHERE id = $1', [triage]);
    expect(row.rows[0]).toEqual({ state: 'open', decision: null });

    await decide(handle, triage, NDRC, 'handle-in-house');
    await expect(decide(handle, triage, NDRC, 'handle-in-house')).rejects.toMatchObject(refused(/no longer open/));
    const decision = await task(handle, triage);
    await expect(decide(handle, decision, NDRC, 'correct')).rejects.toMatchObject(refused(/corrected record/));
    await handle.executeUpdate(withdrawObjectionUpdate, { args: [{ personId: (await db.pool.query('SELECT person_id FROM objections WHERE id = $1', [handle.workflowId.split('/')[1]])).rows[0].person_id }] });
    await completed(handle);
  });

  it('lets the applicant withdraw before a decision: tasks cancelled, clocks closed, dispute mark lifted', async () => {
    const { handle, personId, recordId } = await file({ receivedOn: '2026-09-30' });
    const triage = await task(handle);
    await expect(handle.executeUpdate(withdrawObjectionUpdate, { args: [{ personId: persons[0]! }] })).rejects.toMatchObject(refused(/applicant/));
    expect(await handle.executeUpdate(withdrawObjectionUpdate, { args: [{ personId }] })).toMatchObject({ state: 'withdrawn' });
    await completed(handle);
    const taskRow = await db.pool.query('SELECT state FROM tasks WHERE id = $1', [triage]);
    expect(taskRow.rows[0].state).toBe('cancelled');
    expect(Object.values(await stages(handle.workflowId)).every((s) => s.closed)).toBe(true);
    const record = await db.pool.query('SELECT disputed_by FROM records WHERE id = $1', [recordId]);
    expect(record.rows[0].disputed_by).toBeNull();
  });

  it('counts the make-up Saturday before the Spring Festival: receipt on 13 Feb gives forward by 24 Feb and handling by 25 Feb', async () => {
    const { handle, personId } = await file({ receivedOn: '2026-02-13' });
    await task(handle);
    // Both due times lie in the past: the stages are flagged breached as soon as they open.
    await expect.poll(() => stages(handle.workflowId)).toMatchObject({
      'ndrc-forward': { dueAt: '2026-02-24T16:00:00.000Z', state: 'breached' },
      'ndrc-handle': { dueAt: '2026-02-25T16:00:00.000Z', state: 'breached' },
    });
    await handle.executeUpdate(withdrawObjectionUpdate, { args: [{ personId }] });
    await completed(handle);
  });

  it('handles in-house late: the breach is flagged and escalated, and the late correction is still made', async () => {
    const { handle, recordId } = await file({ receivedOn: '2026-09-30' });
    const triage = await task(handle);
    await sleepUntil('2026-10-10T16:01:00Z');
    await expect.poll(async () => (await stages(handle.workflowId))['ndrc-handle']?.state).toBe('breached');
    const escalations = await db.pool.query(`SELECT count(*)::int AS n FROM notifications WHERE workflow_id = $1 AND kind = 'sla-escalation'`, [handle.workflowId]);
    expect(escalations.rows[0].n).toBe(2);
    await decide(handle, triage, NDRC, 'handle-in-house');
    const decision = await task(handle, triage);
    await decide(handle, decision, NDRC, 'correct', { correction });
    await completed(handle);
    expect(await stages(handle.workflowId)).toMatchObject({ 'ndrc-handle': { state: 'breached', closed: true } });
    const record = await db.pool.query('SELECT version, details, disputed_by FROM records WHERE id = $1', [recordId]);
    expect(record.rows[0]).toMatchObject({ version: 2, details: { amountYuan: 100 }, disputed_by: null });
  });

  it('forwards late and the agency answers late: both breaches stay on record', async () => {
    // The clock now stands on Sunday 11 October.
    const { handle } = await file({ receivedOn: '2026-10-08' });
    const triage = await task(handle);
    await expect.poll(async () => (await stages(handle.workflowId))['ndrc-forward']?.state).toBe('breached');
    await decide(handle, triage, NDRC, 'forward-to-agency');
    const verification = await task(handle, triage);
    // Received by the agency on Sunday 11 Oct: 12 to 16 October.
    expect((await stages(handle.workflowId))['agency-verification']).toMatchObject({ dueAt: '2026-10-16T16:00:00.000Z' });
    await sleepUntil('2026-10-16T16:01:00Z');
    await expect.poll(async () => (await stages(handle.workflowId))['agency-verification']?.state).toBe('breached');
    await decide(handle, verification, AGENCY, 'correct', { correction });
    await completed(handle);
    expect(await stages(handle.workflowId)).toMatchObject({
      'ndrc-forward': { state: 'breached', closed: true },
      'agency-verification': { state: 'breached', closed: true },
    });
  });

  it('moves an open stage when the calendar changes', async () => {
    // The clock stands on Saturday 17 October; receipt on Monday 19 Oct gives handling by Thursday 22 Oct.
    const { handle, personId } = await file({ receivedOn: '2026-10-19' });
    await task(handle);
    expect((await stages(handle.workflowId))['ndrc-handle']).toMatchObject({ dueAt: '2026-10-22T16:00:00.000Z' });
    const change = await env.client.workflow.start(calendarChangeWorkflow, {
      taskQueue,
      workflowId: 'calendar/2026-10-21-correction',
      args: [{ kind: 'correct-days', days: [{ day: '2026-10-21', isWorkingDay: false, note: 'test: extra rest day' }], requestedBy: 'admin-1' }],
    });
    await completed(change);
    await expect.poll(async () => (await stages(handle.workflowId))['ndrc-handle']?.dueAt).toBe('2026-10-23T16:00:00.000Z');
    await handle.executeUpdate(withdrawObjectionUpdate, { args: [{ personId }] });
    await completed(handle);
  });

  it('refuses a second objection on a record that has one open, naming the open one, and records nothing', async () => {
    const first = await file({ receivedOn: '2026-10-19' });
    await task(first.handle);
    const secondId = randomUUID();
    const filing = env.client.workflow.executeUpdateWithStart(fileObjectionUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation(objectionWorkflow, {
        taskQueue,
        workflowId: `objection/${secondId}`,
        workflowIdConflictPolicy: 'FAIL',
        args: [{ objectionId: secondId, personId: first.personId, target: { kind: 'record', recordId: first.recordId }, reason: 'again', evidence: [], filedBy: 'applicant' }],
      }),
    });
    await expect(filing).rejects.toMatchObject({ cause: { type: 'ObjectionOpen', message: expect.stringContaining(first.objectionId) } });
    const second = env.client.workflow.getHandle(`objection/${secondId}`);
    await completed(second);
    expect(await second.query(objectionQuery)).toMatchObject({ state: 'refused' });
    expect((await db.pool.query('SELECT count(*)::int AS n FROM objections WHERE id = $1', [secondId])).rows[0].n).toBe(0);
  });

  it('puts an objection to the score on the in-house path with the breakdown attached', async () => {
    const { handle } = await file({ target: 'score' });
    const decision = await task(handle);
    const row = await db.pool.query<{ kind: string; context: { target: string } }>('SELECT kind, context FROM tasks WHERE id = $1', [decision]);
    expect(row.rows[0]).toMatchObject({ kind: 'objection-decision', context: { target: 'score' } });
    expect(await stages(handle.workflowId)).not.toHaveProperty('ndrc-forward');
    await decide(handle, decision, NDRC, 'uphold');
    await completed(handle);
  });
});
