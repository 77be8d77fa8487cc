import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeclarationInput } from '../../src/workflows/declaration/contract';
import { declarationQuery, fileDeclarationUpdate, withdrawDeclarationUpdate } from '../../src/workflows/declaration/contract';
import { declarationWorkflow } from '../../src/workflows/declaration/declaration';
import { rescoreRequestedSignal } from '../../src/workflows/scoring/contract';
import { rescorePersonWorkflow } from '../../src/workflows/scoring/rescore-person';
import { completeTaskUpdate, type TaskActor } from '../../src/workflows/shared/contract';
import type { TestDatabase } from '../support/database';
import { seedScoredPersons } from '../support/scoring-fixtures';
import { completed } from '../support/time-skipping';
import { workflowTestBed } from '../support/workflow-bed';

const AGENCY: TaskActor = { subject: 'fixture-clerk', role: 'agency', agencyId: 'fixture-agency' };

const honour: DeclarationInput['declaration'] = {
  category: 'honours',
  typeCode: 'honour-municipal',
  formedOn: '2026-09-01',
  details: { title: 'Model volunteer of the year' },
  evidence: [{ kind: 'certificate', ref: 'municipal certificate 2026-0917' }],
  verifierId: 'fixture-agency',
};

describe('Art. 11 self-declaration', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let taskQueue: string;
  let persons: string[];
  // Filed on Wednesday 30 September 2026, the day before the National Day holiday.
  const bed = workflowTestBed({
    startAt: new Date('2026-09-30T02:00:00Z'),
    prepare: async (db) => {
      persons = await seedScoredPersons(db.pool, 8);
    },
  });
  beforeAll(() => ({ env, db, taskQueue } = bed));

  let nextPerson = 0;
  function declare(declaration: DeclarationInput['declaration'] = honour, personId = persons[nextPerson++]!) {
    const declarationId = randomUUID();
    const workflowId = `declaration/${declarationId}`;
    const filing = env.client.workflow.executeUpdateWithStart(fileDeclarationUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation(declarationWorkflow, {
        taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'FAIL',
        args: [{ declarationId, personId, declaration, filedBy: 'declarant' }],
      }),
    });
    return { filing, declarationId, personId, handle: env.client.workflow.getHandle<typeof declarationWorkflow>(workflowId) };
  }

  async function task(handle: WorkflowHandle<typeof declarationWorkflow>): Promise<string> {
    let id: string | null = null;
    await expect
      .poll(async () => {
        id = (await handle.query(declarationQuery)).openTaskId;
        return id;
      }, { timeout: 10_000 })
      .not.toBeNull();
    return id!;
  }

  const decide = (handle: WorkflowHandle<typeof declarationWorkflow>, taskId: string, decision: 'accept' | 'reject', reasons: string) =>
    handle.executeUpdate(completeTaskUpdate, { args: [{ taskId, actor: AGENCY, decision, reasons }] });

  async function stage(workflowId: string) {
    const rows = await db.pool.query<{ stage: string; state: string; due_at: Date; finished_at: Date | null; article: string }>(
      'SELECT stage, state, due_at, finished_at, article FROM sla_stages WHERE workflow_id = $1',
      [workflowId],
    );
    const row = rows.rows[0]!;
    return { stage: row.stage, article: row.article, state: row.state, dueAt: row.due_at.toISOString(), closed: row.finished_at !== null };
  }

  async function baseScore(personId: string): Promise<number | undefined> {
    const found = await db.pool.query<{ score: number }>(`SELECT score FROM scores WHERE person_id = $1 AND scenario = 'base'`, [personId]);
    return found.rows[0]?.score;
  }

  it('counts a verified honour: a self-declared record of the verifying agency, and the score moves by its points', async () => {
    const personId = persons[nextPerson++]!;
    await env.client.workflow.signalWithStart(rescorePersonWorkflow, {
      taskQueue,
      workflowId: `rescore-person/${personId}`,
      args: [{ personId }],
      signal: rescoreRequestedSignal,
      signalArgs: [{ reason: 'test: the score before the declaration' }],
    });
    await expect.poll(() => baseScore(personId), { timeout: 10_000 }).toBeDefined();
    const before = (await baseScore(personId))!;

    const { filing, declarationId, handle } = declare(honour, personId);
    expect(await filing).toMatchObject({ state: 'verifying' });
    const taskId = await task(handle);
    const taskRow = await db.pool.query('SELECT kind, role, agency_id, context FROM tasks WHERE id = $1', [taskId]);
    expect(taskRow.rows[0]).toMatchObject({ kind: 'declaration-verification', role: 'agency', agency_id: 'fixture-agency', context: { declarationId, typeCode: 'honour-municipal' } });
    await decide(handle, taskId, 'accept', 'certificate checked against the municipal register');
    await completed(handle);

    const view = await handle.query(declarationQuery);
    expect(view).toMatchObject({ state: 'accepted', recordId: expect.any(String) });
    const record = await db.pool.query('SELECT sharer_id, reference, person_id, source, type_code, formed_on, status FROM records WHERE id = $1', [view.recordId]);
    expect(record.rows[0]).toEqual({
      sharer_id: 'fixture-agency',
      reference: `DECL-${declarationId}`,
      person_id: personId,
      source: 'self-declared',
      type_code: 'honour-municipal',
      formed_on: '2026-09-01',
      status: 'active',
    });
    const row = await db.pool.query('SELECT state, record_id, decided_by FROM declarations WHERE id = $1', [declarationId]);
    expect(row.rows[0]).toEqual({ state: 'accepted', record_id: view.recordId, decided_by: 'fixture-clerk' });
    expect(await stage(handle.workflowId)).toMatchObject({ stage: 'agency-verification', article: 'Art. 11', state: 'met', closed: true });
    // honour-municipal is worth 10 points in the base model.
    await expect.poll(() => baseScore(personId), { timeout: 10_000 }).toBe(before + 10);
  });

  it('keeps a rejected declaration with its reasons, adds no record and tells the declarant', async () => {
    const { filing, declarationId, personId, handle } = declare();
    await filing;
    await decide(handle, await task(handle), 'reject', 'no such honour in the municipal register');
    await completed(handle);
    expect(await handle.query(declarationQuery)).toMatchObject({ state: 'rejected', recordId: null });
    const row = await db.pool.query('SELECT state, record_id, decision_reasons FROM declarations WHERE id = $1', [declarationId]);
    expect(row.rows[0]).toEqual({ state: 'rejected', record_id: null, decision_reasons: 'no such honour in the municipal register' });
    const records = await db.pool.query(`SELECT count(*)::int AS n FROM records WHERE person_id = $1 AND source = 'self-declared'`, [personId]);
    expect(records.rows[0].n).toBe(0);
    const notice = await db.pool.query(`SELECT body FROM notifications WHERE workflow_id = $1 AND kind = 'declaration-decided'`, [handle.workflowId]);
    expect(notice.rows[0].body).toMatchObject({ state: 'rejected', reasons: 'no such honour in the municipal register' });
  });

  it('refuses a duplicate of a record already shared, naming it, and records nothing', async () => {
    const personId = persons[nextPerson++]!;
    const shared = await db.pool.query<{ id: string }>(`SELECT id FROM records WHERE person_id = $1 AND type_code = 'volunteering'`, [personId]);
    const { filing, declarationId, handle } = declare(
      { category: 'social-contribution', typeCode: 'volunteering', formedOn: '2026-06-01', details: { hours: 30 }, evidence: [{ kind: 'certificate', ref: 'hours certificate' }], verifierId: 'fixture-agency' },
      personId,
    );
    await expect(filing).rejects.toMatchObject({ cause: { type: 'DeclarationDuplicate', message: expect.stringContaining(shared.rows[0]!.id) } });
    await completed(handle);
    expect(await handle.query(declarationQuery)).toMatchObject({ state: 'refused' });
    expect((await db.pool.query('SELECT count(*)::int AS n FROM declarations WHERE id = $1', [declarationId])).rows[0].n).toBe(0);
  });

  it('refuses a second declaration of the same honour while the first is verified, a negative type and an unknown agency', async () => {
    const first = declare();
    await first.filing;
    const second = declare(honour, first.personId);
    await expect(second.filing).rejects.toMatchObject({ cause: { type: 'DeclarationOpen', message: expect.stringContaining(first.declarationId) } });
    const negative = declare({ ...honour, category: 'honours', typeCode: 'tax-refusal', details: {} }, first.personId);
    await expect(negative.filing).rejects.toMatchObject({ cause: { type: 'NotDeclarable' } });
    const unknown = declare({ ...honour, verifierId: 'no-such-agency' }, first.personId);
    await expect(unknown.filing).rejects.toMatchObject({ cause: { type: 'VerifierNotFound' } });

    // The declarant withdraws the first: its task is cancelled and its clock closed.
    const taskId = await task(first.handle);
    await expect(first.handle.executeUpdate(withdrawDeclarationUpdate, { args: [{ personId: persons[0]! }] })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/declarant/) } });
    expect(await first.handle.executeUpdate(withdrawDeclarationUpdate, { args: [{ personId: first.personId }] })).toMatchObject({ state: 'withdrawn' });
    await completed(first.handle);
    expect((await db.pool.query('SELECT state FROM tasks WHERE id = $1', [taskId])).rows[0].state).toBe('cancelled');
    expect((await db.pool.query('SELECT state FROM declarations WHERE id = $1', [first.declarationId])).rows[0].state).toBe('withdrawn');
    expect(await stage(first.handle.workflowId)).toMatchObject({ closed: true });
  });

  // Runs last: it moves the test server's clock past the deadline.
  it('flags a verification late across the National Day holiday: 5 working days from 30 September end on 13 October; the late acceptance still counts', async () => {
    const { filing, handle } = declare();
    await filing;
    const taskId = await task(handle);
    expect(await stage(handle.workflowId)).toMatchObject({ dueAt: '2026-10-13T16:00:00.000Z', state: 'on-track' });
    await env.sleep(Date.parse('2026-10-13T16:01:00Z') - (await env.currentTimeMs()));
    await expect.poll(async () => (await stage(handle.workflowId)).state).toBe('breached');
    const escalation = await db.pool.query(`SELECT count(*)::int AS n FROM notifications WHERE workflow_id = $1 AND kind = 'sla-escalation'`, [handle.workflowId]);
    expect(escalation.rows[0].n).toBeGreaterThan(0);
    await decide(handle, taskId, 'accept', 'verified late');
    await completed(handle);
    expect(await handle.query(declarationQuery)).toMatchObject({ state: 'accepted', recordId: expect.any(String) });
    expect(await stage(handle.workflowId)).toMatchObject({ state: 'breached', closed: true });
  });
});
