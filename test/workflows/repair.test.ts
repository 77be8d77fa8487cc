import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { civicEvidenceSignal, repairQuery, reportPerformanceUpdate, supplyRepairUpdate, withdrawRepairUpdate } from '../../src/workflows/repair/contract';
import { rescoreRequestedSignal } from '../../src/workflows/scoring/contract';
import { rescorePersonWorkflow } from '../../src/workflows/scoring/rescore-person';
import { completeTaskUpdate, CreditProcessKey, SlaStageKey, SlaStateKey } from '../../src/workflows/shared/contract';
import { FIXTURE_CLERK, NDRC_REVIEWER, RepairFixture } from '../support/repair-fixtures';
import { completed } from '../support/time-skipping';
import { workflowTestBed } from '../support/workflow-bed';

// Every bed starts on Tuesday 29 September 2026, 10:00 in Jinan: two days before the National Day
// holiday (1–7 October, with Saturday 10 October a working day). A general-tier penalty formed on
// 1 June has served its minimum period (3 months) and counts until 1 June 2027.

function bedOn(startAt = '2026-09-29T02:00:00Z') {
  const bed = workflowTestBed({ startAt: new Date(startAt), prepare: RepairFixture.prepare });
  const repairs = new RepairFixture(
    () => bed.db.pool,
    () => bed.env.client,
    () => bed.taskQueue,
  );
  return { bed, repairs };
}

async function sleepUntil(env: TestWorkflowEnvironment, instant: string) {
  const wait = Date.parse(instant) - (await env.currentTimeMs());
  if (wait > 0) await env.sleep(wait);
}

describe('Art. 21 credit repair: filing refused at once', () => {
  const { bed, repairs } = bedOn();

  it('refuses a type that cannot be repaired, a period not yet served (with the day one may apply), a route not open to the tier, a commitment not signed, and a record not the applicant’s: nothing is written', async () => {
    const { personId } = await repairs.resident();
    const other = await repairs.resident();
    const conviction = await repairs.record(personId, 'criminal-conviction', '2026-03-01');
    const enforcement = await repairs.record(personId, 'administrative-enforcement', '2026-08-15');
    const jointList = await repairs.record(personId, 'joint-punishment-list', '2025-01-10');
    const penalty = await repairs.record(personId, 'administrative-penalty', '2026-06-01');
    const othersPenalty = await repairs.record(other.personId, 'administrative-penalty', '2026-06-01');

    const refused = async (recordId: string, route: Parameters<RepairFixture['file']>[2], commitment?: string) => {
      const { filing, handle } = repairs.file(personId, recordId, route, commitment);
      const failure = await filing.then(
        () => undefined,
        (error: { cause?: { type?: string; message?: string; details?: { field?: string }[] } }) => error.cause,
      );
      await completed(handle);
      expect(await handle.query(repairQuery)).toMatchObject({ state: 'refused' });
      return { type: failure?.type, message: failure?.message, field: failure?.details?.[0]?.field };
    };

    expect(await refused(conviction, 'performance')).toMatchObject({ type: 'RepairIneligible', field: 'recordId', message: expect.stringMatching(/^not-repairable: .*刑法/) });
    // Order 36: the minimum period counts from the finding (15 August), not from publication.
    expect(await refused(enforcement, 'performance')).toMatchObject({ type: 'RepairIneligible', message: expect.stringMatching(/^minimum-period: .*from 2026-11-15/) });
    expect(await refused(jointList, 'volunteering')).toMatchObject({ type: 'RouteNotOpen', field: 'route', message: expect.stringContaining('serious') });
    expect(await refused(penalty, 'performance', '2025-01')).toMatchObject({ type: 'CommitmentMissing', field: 'commitmentVersion', message: expect.stringContaining('2026-04') });
    expect(await refused(penalty, 'performance', '')).toMatchObject({ type: 'CommitmentMissing' });
    expect(await refused(othersPenalty, 'performance')).toMatchObject({ type: 'RecordNotFound', field: 'recordId' });

    const written = await bed.db.pool.query('SELECT count(*)::int AS n FROM repairs');
    expect(written.rows[0].n).toBe(0);
    const tasks = await bed.db.pool.query('SELECT count(*)::int AS n FROM tasks');
    expect(tasks.rows[0].n).toBe(0);
  });

  it('keeps one open repair per record, naming it; the applicant alone may withdraw, which cancels the task and closes the clock', async () => {
    const { personId } = await repairs.resident();
    const penalty = await repairs.record(personId, 'administrative-penalty', '2026-06-01');
    const first = repairs.file(personId, penalty, 'performance');
    expect(await first.filing).toMatchObject({ state: 'collecting', terms: { route: 'performance' } });
    const second = repairs.file(personId, penalty, 'deferral');
    await expect(second.filing).rejects.toMatchObject({ cause: { type: 'RepairOpen', message: expect.stringContaining(first.repairId) } });

    const task = await repairs.task(first.handle);
    const stranger = await repairs.resident();
    await expect(first.handle.executeUpdate(withdrawRepairUpdate, { args: [{ personId: stranger.personId }] })).rejects.toMatchObject({ cause: { type: 'NotTheApplicant' } });
    expect(await first.handle.executeUpdate(withdrawRepairUpdate, { args: [{ personId }] })).toMatchObject({ state: 'withdrawn' });
    await completed(first.handle);
    expect((await bed.db.pool.query('SELECT state FROM tasks WHERE id = $1', [task.id])).rows[0].state).toBe('cancelled');
    expect(await repairs.repairRow(first.repairId)).toMatchObject({ state: 'withdrawn', closed_at: expect.any(Date) });
    expect((await repairs.stages(first.handle.workflowId)).every((stage) => stage.closed)).toBe(true);
    expect(await repairs.recordRow(penalty)).toEqual({ status: 'active', version: 1 });

    // Closed, the record may be repaired again.
    const again = repairs.file(personId, penalty, 'performance');
    expect(await again.filing).toMatchObject({ state: 'collecting' });
  });
});

describe('Art. 21 credit repair by subsequent performance and by deferral', () => {
  const { bed, repairs } = bedOn();

  async function baseScore(personId: string): Promise<number | undefined> {
    const found = await bed.db.pool.query<{ score: number }>(`SELECT score FROM scores WHERE person_id = $1 AND scenario = 'base'`, [personId]);
    return found.rows[0]?.score;
  }

  it('performance found unmet, reported met, confirmed, checked by NDRC and approved by the agency: the record is repaired, stops counting, and the score moves', async () => {
    const { personId } = await repairs.resident();
    const penalty = await repairs.record(personId, 'administrative-penalty', '2026-06-01');
    await bed.env.client.workflow.signalWithStart(rescorePersonWorkflow, {
      taskQueue: bed.taskQueue,
      workflowId: `rescore-person/${personId}`,
      args: [{ personId }],
      signal: rescoreRequestedSignal,
      signalArgs: [{ reason: 'test: the score before the repair' }],
    });
    await expect.poll(() => baseScore(personId), { timeout: 10_000 }).toBeDefined();
    const before = (await baseScore(personId))!;

    const { filing, repairId, handle } = repairs.file(personId, penalty, 'performance');
    await filing;
    await expect(handle.executeUpdate(reportPerformanceUpdate, { args: [{ personId }] })).rejects.toMatchObject({ cause: { type: 'NotAwaitingPerformance' } });
    const unmet = await repairs.decideNext(handle, 'repair-performance', FIXTURE_CLERK, 'not-met', 'the fine is still unpaid');
    await expect.poll(async () => (await handle.query(repairQuery)).obligationUnmet).toBe(true);
    expect(await repairs.repairRow(repairId)).toMatchObject({ state: 'collecting', obligation_unmet: true });
    expect(await handle.executeUpdate(reportPerformanceUpdate, { args: [{ personId }] })).toMatchObject({ obligationUnmet: false });
    await repairs.decideNext(handle, 'repair-performance', FIXTURE_CLERK, 'met', 'fine paid on 28 September', { after: unmet });
    await repairs.decideNext(handle, 'repair-completeness', NDRC_REVIEWER, 'complete', 'commitment signed, performance confirmed');
    await expect.poll(async () => (await handle.query(repairQuery)).state).toBe('deciding');
    // NDRC decides nothing here: whoever made the finding repairs it.
    const verdict = await repairs.task(handle);
    await expect(
      handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: verdict.id, actor: NDRC_REVIEWER, decision: 'approve', reasons: 'not ours to decide' }] }),
    ).rejects.toMatchObject({ cause: { type: 'TaskForbidden' } });
    await repairs.decideNext(handle, 'repair-decision', FIXTURE_CLERK, 'approve', 'obligation met, commitment signed');
    await completed(handle);

    expect(await handle.query(repairQuery)).toMatchObject({ state: 'approved', openTaskId: null });
    expect(await repairs.recordRow(penalty)).toEqual({ status: 'repaired', version: 2 });
    const history = await bed.db.pool.query('SELECT status, version FROM record_history WHERE id = $1', [penalty]);
    expect(history.rows).toEqual([{ status: 'active', version: 1 }]);
    expect(await repairs.repairRow(repairId)).toMatchObject({ state: 'approved', decided_by: 'fixture-clerk', closed_at: expect.any(Date) });
    const stages = await repairs.stages(handle.workflowId);
    expect(stages.map((stage) => `${stage.stage}:${stage.state}`)).toEqual([
      'agency-confirmation:met',
      'agency-confirmation:met',
      'platform-result:met',
      'agency-decision:met',
    ]);
    const notice = await bed.db.pool.query(`SELECT recipient_id, body FROM notifications WHERE workflow_id = $1 AND kind = 'repair-approved'`, [handle.workflowId]);
    expect(notice.rows).toEqual([{ recipient_id: personId, body: expect.objectContaining({ repairId, state: 'approved' }) }]);
    // An administrative penalty costs 30 points in the base model; repaired, it no longer counts.
    await expect.poll(() => baseScore(personId), { timeout: 10_000 }).toBe(before + 30);
  });

  it('deferral: the agency grants instalments (a schedule it must give in order), each is confirmed paid, then approval', async () => {
    const { personId } = await repairs.resident();
    const taxes = await repairs.record(personId, 'tax-refusal', '2026-05-10');
    const { filing, repairId, handle } = repairs.file(personId, taxes, 'deferral');
    expect(await filing).toMatchObject({ terms: { route: 'deferral', maxInstalments: 12 } });

    const grant = await repairs.task(handle);
    expect(grant.kind).toBe('repair-deferral');
    for (const schedule of [undefined, [], ['2026-11-20', '2026-10-20'], ['2026-09-01'], ['2026-02-30']]) {
      await expect(
        handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: grant.id, actor: FIXTURE_CLERK, decision: 'grant', reasons: 'two instalments', ...(schedule ? { schedule } : {}) }] }),
      ).rejects.toMatchObject({ cause: { type: 'InvalidDecision', details: [{ field: 'schedule' }] } });
    }
    await handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: grant.id, actor: FIXTURE_CLERK, decision: 'grant', reasons: 'two instalments', schedule: ['2026-10-20', '2026-11-20'] }] });
    await expect.poll(async () => (await handle.query(repairQuery)).instalments).toEqual([
      { dueOn: '2026-10-20', state: 'due' },
      { dueOn: '2026-11-20', state: 'due' },
    ]);
    const first = await repairs.decideNext(handle, 'repair-instalment', FIXTURE_CLERK, 'paid', 'first half received');
    await repairs.decideNext(handle, 'repair-instalment', FIXTURE_CLERK, 'paid', 'second half received', { after: first });
    await repairs.decideNext(handle, 'repair-completeness', NDRC_REVIEWER, 'complete', 'complete');
    await repairs.decideNext(handle, 'repair-decision', FIXTURE_CLERK, 'approve', 'taxes paid in full');
    await completed(handle);
    expect(await handle.query(repairQuery)).toMatchObject({ state: 'approved' });
    expect(await repairs.repairRow(repairId)).toMatchObject({
      state: 'approved',
      instalments: [
        { dueOn: '2026-10-20', state: 'paid' },
        { dueOn: '2026-11-20', state: 'paid' },
      ],
    });
    expect(await repairs.recordRow(taxes)).toEqual({ status: 'repaired', version: 2 });
    // Each instalment's confirmation runs on the agency's clock from its due day.
    const instalmentClocks = (await repairs.stages(handle.workflowId)).filter((stage) => stage.stage === 'agency-confirmation');
    expect(instalmentClocks).toHaveLength(3);
  });

  it('deferral: a missed instalment ends the route, rejected with the day it was due, and the record keeps counting', async () => {
    const { personId } = await repairs.resident();
    const taxes = await repairs.record(personId, 'tax-refusal', '2026-05-10');
    const { filing, repairId, handle } = repairs.file(personId, taxes, 'deferral');
    await filing;
    await repairs.decideNext(handle, 'repair-deferral', FIXTURE_CLERK, 'grant', 'three instalments', { schedule: ['2026-10-15', '2026-11-15', '2026-12-15'] });
    const first = await repairs.decideNext(handle, 'repair-instalment', FIXTURE_CLERK, 'paid', 'received');
    await repairs.decideNext(handle, 'repair-instalment', FIXTURE_CLERK, 'missed', 'nothing received by the due day', { after: first });
    await completed(handle);
    expect(await handle.query(repairQuery)).toMatchObject({
      state: 'rejected',
      instalments: [
        { dueOn: '2026-10-15', state: 'paid' },
        { dueOn: '2026-11-15', state: 'missed' },
        { dueOn: '2026-12-15', state: 'due' },
      ],
    });
    expect(await repairs.repairRow(repairId)).toMatchObject({ state: 'rejected', obligation_unmet: true, outcome_reasons: expect.stringContaining('2026-11-15') });
    expect(await repairs.recordRow(taxes)).toEqual({ status: 'active', version: 1 });
    const notice = await bed.db.pool.query(`SELECT body FROM notifications WHERE workflow_id = $1 AND kind = 'repair-rejected'`, [handle.workflowId]);
    expect(notice.rows[0].body).toMatchObject({ state: 'rejected', reasons: expect.stringContaining('nothing received') });
  });

  it('an agency rejection gives its reasons and leaves the record counting', async () => {
    const { personId } = await repairs.resident();
    const penalty = await repairs.record(personId, 'administrative-penalty', '2026-06-01');
    const { filing, repairId, handle } = repairs.file(personId, penalty, 'performance');
    await filing;
    await repairs.decideNext(handle, 'repair-performance', FIXTURE_CLERK, 'met', 'paid');
    await repairs.decideNext(handle, 'repair-completeness', NDRC_REVIEWER, 'complete', 'complete');
    await repairs.decideNext(handle, 'repair-decision', FIXTURE_CLERK, 'reject', 'a second penalty for the same conduct is pending');
    await completed(handle);
    expect(await repairs.repairRow(repairId)).toMatchObject({ state: 'rejected', outcome_reasons: 'a second penalty for the same conduct is pending', decided_by: 'fixture-clerk' });
    expect(await repairs.recordRow(penalty)).toEqual({ status: 'active', version: 1 });
  });
});

describe('Art. 21 credit repair: a completeness check that finds something missing asks the applicant to supply it', () => {
  const { bed, repairs } = bedOn();

  it('NDRC asks for the missing receipt; the applicant supplies it; NDRC checks again on a new clock with it in the case, and the agency decides', async () => {
    const { personId } = await repairs.resident();
    const penalty = await repairs.record(personId, 'administrative-penalty', '2026-06-01');
    const { filing, repairId, handle } = repairs.file(personId, penalty, 'performance');
    await filing;
    await expect(handle.executeUpdate(supplyRepairUpdate, { args: [{ personId, evidence: [{ kind: 'document', ref: 'too early' }] }] })).rejects.toMatchObject({
      cause: { type: 'NotAwaitingSupplement' },
    });
    await repairs.decideNext(handle, 'repair-performance', FIXTURE_CLERK, 'met', 'paid');
    const asked = await repairs.decideNext(handle, 'repair-completeness', NDRC_REVIEWER, 'request-supplement', 'The receipt of the paid fine is missing');
    // The workflow shows the state before its step has written the request: wait for the row.
    await expect.poll(async () => (await bed.db.pool.query('SELECT state FROM repairs WHERE id = $1', [repairId])).rows[0].state, { timeout: 10_000 }).toBe('supplementing');
    const row = await bed.db.pool.query('SELECT state, supplements FROM repairs WHERE id = $1', [repairId]);
    // Asked on Tuesday 29 September: 15 calendar days, to Wednesday 14 October.
    expect(row.rows[0]).toMatchObject({ state: 'supplementing', supplements: [{ missing: 'The receipt of the paid fine is missing', until: '2026-10-14' }] });
    const notice = await bed.db.pool.query(`SELECT recipient_id, body FROM notifications WHERE workflow_id = $1 AND kind = 'repair-supplement-requested'`, [handle.workflowId]);
    expect(notice.rows).toEqual([{ recipient_id: personId, body: { repairId, until: '2026-10-14' } }]);
    await expect(handle.executeUpdate(supplyRepairUpdate, { args: [{ personId: 'someone-else', evidence: [{ kind: 'document', ref: 'x' }] }] })).rejects.toMatchObject({
      cause: { type: 'NotTheApplicant' },
    });

    const receipt = { kind: 'certificate' as const, ref: 'Fine receipt 2026-118' };
    expect(await handle.executeUpdate(supplyRepairUpdate, { args: [{ personId, evidence: [receipt] }] })).toMatchObject({ state: 'checking' });
    const again = await repairs.task(handle, asked);
    expect(again.kind).toBe('repair-completeness');
    const context = await bed.db.pool.query('SELECT context FROM tasks WHERE id = $1', [again.id]);
    expect(context.rows[0].context.evidence).toEqual([receipt]);
    expect((await bed.db.pool.query('SELECT supplements FROM repairs WHERE id = $1', [repairId])).rows[0].supplements).toEqual([
      expect.objectContaining({ missing: 'The receipt of the paid fine is missing', suppliedAt: expect.any(String), evidence: [receipt] }),
    ]);
    await repairs.decideNext(handle, 'repair-completeness', NDRC_REVIEWER, 'complete', 'receipt supplied', { after: asked });
    await repairs.decideNext(handle, 'repair-decision', FIXTURE_CLERK, 'approve', 'obligation met');
    await completed(handle);
    expect(await repairs.repairRow(repairId)).toMatchObject({ state: 'approved' });
    const stages = await repairs.stages(handle.workflowId);
    expect(stages.map((stage) => `${stage.stage}:${stage.state}`)).toEqual(['agency-confirmation:met', 'platform-result:met', 'platform-result:met', 'agency-decision:met']);
  });

  it('ends the repair, rejected, when nothing is supplied by the last day, and says what was missing', async () => {
    const { personId } = await repairs.resident();
    const penalty = await repairs.record(personId, 'administrative-penalty', '2026-06-01');
    const { filing, repairId, handle } = repairs.file(personId, penalty, 'performance');
    await filing;
    await repairs.decideNext(handle, 'repair-performance', FIXTURE_CLERK, 'met', 'paid');
    await repairs.decideNext(handle, 'repair-completeness', NDRC_REVIEWER, 'request-supplement', 'The signed commitment page is missing');
    await expect.poll(async () => (await handle.query(repairQuery)).state).toBe('supplementing');
    await bed.env.sleep('16 days');
    await completed(handle);
    expect(await repairs.repairRow(repairId)).toMatchObject({
      state: 'rejected',
      outcome_reasons: expect.stringMatching(/^What was missing was not supplied by 2026-10-1\d: The signed commitment page is missing$/),
    });
    expect(await repairs.recordRow(penalty)).toEqual({ status: 'active', version: 1 });
  });
});

describe('Art. 21 credit repair: the platform’s and the agency’s clocks across the 2026 National Day holiday', () => {
  const { bed, repairs } = bedOn();

  it('a complete application on 29 September: the agency’s 3 working days end on 9 October, the platform’s 10 on 19 October; each reminds a working day before and is flagged and escalated when breached', async () => {
    const { personId } = await repairs.resident();
    const decidedLate = repairs.file(personId, await repairs.record(personId, 'administrative-penalty', '2026-06-01'), 'performance');
    const checkedLate = repairs.file(personId, await repairs.record(personId, 'administrative-enforcement', '2026-06-01'), 'performance');
    await decidedLate.filing;
    await checkedLate.filing;
    await repairs.decideNext(decidedLate.handle, 'repair-performance', FIXTURE_CLERK, 'met', 'paid');
    await repairs.decideNext(checkedLate.handle, 'repair-performance', FIXTURE_CLERK, 'met', 'paid');
    await repairs.decideNext(decidedLate.handle, 'repair-completeness', NDRC_REVIEWER, 'complete', 'complete, forwarded the same day');
    const verdict = await repairs.task(decidedLate.handle);
    expect(verdict.kind).toBe('repair-decision');

    const open = async (workflowId: string, stage: string) => (await repairs.stages(workflowId)).find((row) => row.stage === stage && !row.closed);
    // 30 September, 8, 9 October: the holiday (1–7 October) does not count.
    expect(await open(decidedLate.handle.workflowId, 'agency-decision')).toMatchObject({ dueAt: '2026-10-09T16:00:00.000Z', state: 'on-track', responsible: 'agency' });
    // 30 September, 8, 9, 10 (the make-up Saturday), 12–16, 19 October.
    expect(await open(checkedLate.handle.workflowId, 'platform-result')).toMatchObject({ dueAt: '2026-10-19T16:00:00.000Z', state: 'on-track', responsible: 'ndrc' });

    // The reminder a working day before (8 October), then the breach after the 9th.
    await sleepUntil(bed.env, '2026-10-08T16:30:00Z');
    await expect.poll(async () => (await open(decidedLate.handle.workflowId, 'agency-decision'))?.reminded, { timeout: 10_000 }).toBe(true);
    await sleepUntil(bed.env, '2026-10-09T16:01:00Z');
    await expect.poll(async () => (await open(decidedLate.handle.workflowId, 'agency-decision'))?.state, { timeout: 10_000 }).toBe('breached');
    const escalated = await bed.db.pool.query(`SELECT count(*)::int AS n FROM notifications WHERE workflow_id = $1 AND kind = 'sla-escalation'`, [decidedLate.handle.workflowId]);
    expect(escalated.rows[0].n).toBeGreaterThan(0);
    // The late decision still stands; its stage stays breached, the platform's is met.
    await repairs.decideNext(decidedLate.handle, 'repair-decision', FIXTURE_CLERK, 'approve', 'decided late');
    await completed(decidedLate.handle);
    const decided = await repairs.stages(decidedLate.handle.workflowId);
    expect(decided.filter((row) => row.stage !== 'agency-confirmation').map((row) => `${row.stage}:${row.state}`)).toEqual(['platform-result:met', 'agency-decision:breached']);

    await sleepUntil(bed.env, '2026-10-19T16:01:00Z');
    await expect.poll(async () => (await open(checkedLate.handle.workflowId, 'platform-result'))?.state, { timeout: 10_000 }).toBe('breached');
    // What a supervisor filters on in the Web UI: CreditProcess="repair" AND SlaState="breached".
    await expect
      .poll(async () => {
        const attributes = (await checkedLate.handle.describe()).typedSearchAttributes;
        return [attributes.get(CreditProcessKey), attributes.get(SlaStageKey), attributes.get(SlaStateKey)];
      }, { timeout: 10_000 })
      .toEqual(['repair', 'platform-result', 'breached']);
    await repairs.decideNext(checkedLate.handle, 'repair-completeness', NDRC_REVIEWER, 'incomplete', 'the payment receipt is missing');
    await completed(checkedLate.handle);
    expect(await checkedLate.handle.query(repairQuery)).toMatchObject({ state: 'rejected' });
    expect((await repairs.stages(checkedLate.handle.workflowId)).find((row) => row.stage === 'platform-result')).toMatchObject({ state: 'breached', closed: true });
  });
});

describe('Art. 21 credit repair by volunteering and donation: the civilised-behaviour feed', () => {
  const { bed, repairs } = bedOn();

  it('counts volunteer hours arriving in pieces over weeks, replayed twice and out of order, once each; each event is also a positive record (Art. 9(3))', async () => {
    const resident = await repairs.resident();
    const penalty = await repairs.record(resident.personId, 'administrative-penalty', '2026-06-01');
    // Hours before the filing are kept as records but count toward no repair.
    await repairs.feed({ eventId: 'vol-0', person: resident.person, kind: 'volunteering', amount: 5, occurredOn: '2026-09-20' });
    const { filing, repairId, handle } = repairs.file(resident.personId, penalty, 'volunteering');
    expect(await filing).toMatchObject({ terms: { route: 'volunteering', unit: 'hours', threshold: 20, windowDays: 90 }, progress: 0 });
    // Order 36 art. 3: the obligation is met first; the hours add to it, they do not replace it.
    await repairs.decideNext(handle, 'repair-performance', FIXTURE_CLERK, 'met', 'the fine was paid');

    await repairs.feed({ eventId: 'vol-1', person: resident.person, kind: 'volunteering', amount: 8, occurredOn: '2026-09-29' });
    await expect.poll(async () => (await handle.query(repairQuery)).progress).toBe(8);
    await sleepUntil(bed.env, '2026-10-14T02:00:00Z');
    // The event of 12 October arrives before the one of 5 October; a donation counts toward nothing here.
    await repairs.feed({ eventId: 'vol-3', person: resident.person, kind: 'volunteering', amount: 6, occurredOn: '2026-10-12' });
    await repairs.feed({ eventId: 'don-1', person: resident.person, kind: 'donation', amount: 200, occurredOn: '2026-10-12' });
    await expect.poll(async () => (await handle.query(repairQuery)).progress).toBe(14);
    // The feed replays what it sent: the same events again, after their workflows closed.
    await repairs.feed({ eventId: 'vol-1', person: resident.person, kind: 'volunteering', amount: 8, occurredOn: '2026-09-29' }, { again: true });
    await repairs.feed({ eventId: 'vol-3', person: resident.person, kind: 'volunteering', amount: 6, occurredOn: '2026-10-12' }, { again: true });
    expect(await handle.query(repairQuery)).toMatchObject({ progress: 14, state: 'collecting' });
    await sleepUntil(bed.env, '2026-10-28T02:00:00Z');
    await repairs.feed({ eventId: 'vol-2', person: resident.person, kind: 'volunteering', amount: 6, occurredOn: '2026-10-05' });
    await expect.poll(async () => (await handle.query(repairQuery)).state).toBe('checking');
    expect(await handle.query(repairQuery)).toMatchObject({ progress: 20 });
    // And the whole feed once more.
    for (const [eventId, amount, occurredOn] of [['vol-1', 8, '2026-09-29'], ['vol-2', 6, '2026-10-05'], ['vol-3', 6, '2026-10-12']] as const) {
      await repairs.feed({ eventId, person: resident.person, kind: 'volunteering', amount, occurredOn }, { again: true });
    }

    const counted = await bed.db.pool.query('SELECT event_id, amount::float8 AS amount FROM repair_evidence WHERE repair_id = $1 ORDER BY event_id', [repairId]);
    expect(counted.rows).toEqual([
      { event_id: 'vol-1', amount: 8 },
      { event_id: 'vol-2', amount: 6 },
      { event_id: 'vol-3', amount: 6 },
    ]);
    expect(await repairs.repairRow(repairId)).toMatchObject({ state: 'checking', progress: 20 });
    const records = await bed.db.pool.query(
      `SELECT reference, type_code, sharer_id, details FROM records WHERE person_id = $1 AND source = 'public-agency' AND reference LIKE 'CIVIC-%' ORDER BY reference`,
      [resident.personId],
    );
    expect(records.rows.map((row) => `${row.reference} ${row.type_code} ${row.sharer_id} ${JSON.stringify(row.details)}`)).toEqual([
      'CIVIC-don-1 charitable-donation jinan-civilisation-office {"amountYuan":200}',
      'CIVIC-vol-0 volunteering jinan-civilisation-office {"hours":5}',
      'CIVIC-vol-1 volunteering jinan-civilisation-office {"hours":8}',
      'CIVIC-vol-2 volunteering jinan-civilisation-office {"hours":6}',
      'CIVIC-vol-3 volunteering jinan-civilisation-office {"hours":6}',
    ]);
    const events = await bed.db.pool.query('SELECT count(*)::int AS n FROM civic_events WHERE person_id = $1', [resident.personId]);
    expect(events.rows[0].n).toBe(5);

    await repairs.decideNext(handle, 'repair-completeness', NDRC_REVIEWER, 'complete', '20 hours confirmed by the civilised-behaviour database');
    await repairs.decideNext(handle, 'repair-decision', FIXTURE_CLERK, 'approve', 'volunteering completed');
    await completed(handle);
    expect(await repairs.recordRow(penalty)).toEqual({ status: 'repaired', version: 2 });
  });

  it('donation: gifts already fed since the filing day count at once, the rest as they come', async () => {
    const resident = await repairs.resident();
    const penalty = await repairs.record(resident.personId, 'administrative-penalty', '2026-06-01');
    const today = new Date(await bed.env.currentTimeMs() + 8 * 3600_000).toISOString().slice(0, 10);
    await repairs.feed({ eventId: 'gift-1', person: resident.person, kind: 'donation', amount: 600, occurredOn: today });
    const { filing, handle } = repairs.file(resident.personId, penalty, 'donation');
    expect(await filing).toMatchObject({ terms: { unit: 'yuan', threshold: 1000 } });
    await repairs.decideNext(handle, 'repair-performance', FIXTURE_CLERK, 'met', 'the fine was paid');
    await expect.poll(async () => (await handle.query(repairQuery)).progress).toBe(600);
    await repairs.feed({ eventId: 'gift-2', person: resident.person, kind: 'donation', amount: 400, occurredOn: today });
    await expect.poll(async () => (await handle.query(repairQuery)).state).toBe('checking');
  });

  it('keeps an event whose record reference the feeding agency already used by hand, without a second record, and finishes', async () => {
    const resident = await repairs.resident();
    await bed.db.pool.query(
      `INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late, status, version, details, evidence, changed_by)
       VALUES (gen_random_uuid(), 'jinan-civilisation-office', 'CIVIC-hand-1', $1, 'social-contribution', 'volunteering', 'public-agency', '2026-09-01', now(), false, 'active', 1, '{"hours": 3}', '[]', 'fixture')`,
      [resident.personId],
    );
    const today = new Date((await bed.env.currentTimeMs()) + 8 * 3600_000).toISOString().slice(0, 10);
    await repairs.feed({ eventId: 'hand-1', person: resident.person, kind: 'volunteering', amount: 4, occurredOn: today });
    const kept = await bed.db.pool.query('SELECT record_id FROM civic_events WHERE event_id = $1', ['hand-1']);
    expect(kept.rows).toEqual([{ record_id: null }]);
    const records = await bed.db.pool.query(`SELECT count(*)::int AS n FROM records WHERE reference = 'CIVIC-hand-1'`);
    expect(records.rows[0].n).toBe(1);
  });

  it('refuses evidence it can never count (Postgres refuses it for good) and goes on counting the next, its process never failed by it', async () => {
    const resident = await repairs.resident();
    const penalty = await repairs.record(resident.personId, 'administrative-penalty', '2026-06-01');
    const today = new Date((await bed.env.currentTimeMs()) + 8 * 3600_000).toISOString().slice(0, 10);
    const { filing, handle } = repairs.file(resident.personId, penalty, 'volunteering');
    await filing;
    await repairs.decideNext(handle, 'repair-performance', FIXTURE_CLERK, 'met', 'the fine was paid');
    // Evidence of an event the civilised-behaviour database never kept: the count's row cannot reference it.
    await handle.signal(civicEvidenceSignal, { eventId: 'never-kept', kind: 'volunteering', amount: 19, occurredOn: today });
    await repairs.feed({ eventId: 'vol-kept', person: resident.person, kind: 'volunteering', amount: 3, occurredOn: today });
    await expect.poll(async () => (await handle.query(repairQuery)).progress).toBe(3);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await handle.query(repairQuery)).toMatchObject({ state: 'collecting' });
  });

  // Runs last in its bed: it moves the clock past the window.
  it('ends a route whose window closes short of its threshold as expired, and says how far it got', async () => {
    const resident = await repairs.resident();
    const penalty = await repairs.record(resident.personId, 'administrative-penalty', '2026-06-01');
    const today = new Date(await bed.env.currentTimeMs() + 8 * 3600_000).toISOString().slice(0, 10);
    const { filing, repairId, handle } = repairs.file(resident.personId, penalty, 'civilised-practice');
    expect(await filing).toMatchObject({ terms: { unit: 'events', threshold: 4, windowDays: 90 } });
    await repairs.decideNext(handle, 'repair-performance', FIXTURE_CLERK, 'met', 'the fine was paid');
    await repairs.feed({ eventId: 'practice-1', person: resident.person, kind: 'civilised-practice', amount: 1, occurredOn: today });
    await expect.poll(async () => (await handle.query(repairQuery)).progress).toBe(1);
    await bed.env.sleep(91 * 24 * 3600_000);
    await completed(handle);
    expect(await handle.query(repairQuery)).toMatchObject({ state: 'expired' });
    expect(await repairs.repairRow(repairId)).toMatchObject({ state: 'expired', outcome_reasons: expect.stringContaining('1 of 4 events') });
    expect(await repairs.recordRow(penalty)).toEqual({ status: 'active', version: 1 });
  });
});

describe('Art. 21 credit repair: the record’s maximum period ends while a repair is open', () => {
  const { bed, repairs } = bedOn();

  it('closes the repair as moot when the record stops counting by itself; where the agency found the obligation unmet, the agency decides under its sector rules', async () => {
    const { personId } = await repairs.resident();
    // A minor record counts 3 months: formed 15 July, it stops counting on 15 October.
    const lapsing = await repairs.record(personId, 'fee-refusal', '2026-07-15');
    const unmetFee = await repairs.record(personId, 'fee-refusal', '2026-07-20');
    const moot = repairs.file(personId, lapsing, 'volunteering');
    const sector = repairs.file(personId, unmetFee, 'performance');
    expect(await moot.filing).toMatchObject({ terms: { threshold: 10 } });
    await sector.filing;
    await repairs.decideNext(sector.handle, 'repair-performance', FIXTURE_CLERK, 'not-met', 'fees still unpaid');
    await expect.poll(async () => (await sector.handle.query(repairQuery)).obligationUnmet).toBe(true);

    await sleepUntil(bed.env, '2026-10-14T16:01:00Z');
    await completed(moot.handle);
    expect(await moot.handle.query(repairQuery)).toMatchObject({ state: 'moot' });
    expect(await repairs.repairRow(moot.repairId)).toMatchObject({ state: 'moot', outcome_reasons: expect.stringContaining('2026-10-15') });
    expect(await repairs.recordRow(lapsing)).toEqual({ status: 'active', version: 1 });

    await sleepUntil(bed.env, '2026-10-19T16:01:00Z');
    const ruling = await repairs.decideNext(sector.handle, 'repair-sector-decision', FIXTURE_CLERK, 'reject', 'sector rules keep unpaid fees on file until paid');
    await completed(sector.handle);
    expect(ruling).toBeTruthy();
    expect(await repairs.repairRow(sector.repairId)).toMatchObject({ state: 'rejected', outcome_reasons: expect.stringContaining('sector rules') });
    // The decision is what happens: the unpaid fee counts on past its period, the person rescored; the lapsed one does not.
    const kept = await bed.db.pool.query('SELECT id, kept_counting_by FROM records WHERE id = ANY($1) ORDER BY formed_on', [[lapsing, unmetFee]]);
    expect(kept.rows).toEqual([
      { id: lapsing, kept_counting_by: null },
      { id: unmetFee, kept_counting_by: sector.handle.workflowId },
    ]);
    const asked = await bed.db.pool.query(`SELECT reason FROM rescore_requests WHERE requested_by = $1`, [sector.handle.workflowId]);
    expect(asked.rows).toContainEqual({ reason: 'record-kept-counting' });
    const stages = await repairs.stages(sector.handle.workflowId);
    expect(stages.map((stage) => `${stage.stage}:${stage.closed}`)).toEqual(['agency-confirmation:true', 'agency-decision:true']);
  });
});
