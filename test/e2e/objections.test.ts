import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, shanghaiDayOf } from '../../src/domain/working-days';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';

describe('Art. 20 objection flow through the API on the dev server', () => {
  let platform: RunningPlatform;
  let police: string;
  let market: string;
  let ndrc: string;
  let person: string;
  let personId: string;
  let recordId: string;
  const today = shanghaiDayOf(new Date());

  const call = (method: string, path: string, token: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);

  async function inbox(token: string, kind: string) {
    let found: JsonAnswer['body'] | undefined;
    await expect
      .poll(async () => {
        found = ((await call('GET', '/tasks?state=open', token)).body.tasks as JsonAnswer['body'][]).find((t) => t.kind === kind);
        return found !== undefined;
      }, { timeout: 15_000 })
      .toBe(true);
    return found!;
  }

  const score = async () => ((await call('GET', '/me/score', person)).body.scores as JsonAnswer['body'][]).find((s) => s.scenario === 'base')?.score;

  beforeAll(async () => {
    platform = await startPlatform();
    ({ police, market } = await organisations(platform, { police: 'jinan-public-security', market: { id: 'jinan-market-regulation', subject: 'market-clerk-zhao' } }));
    ndrc = await platform.token('ndrc', { subject: 'ndrc-reviewer-li' });
    const resident = await residentInScope(platform, police, { birthDate: '1977-07-07', sequence: 707 });
    ({ personId, token: person } = resident);
    const penalty = { reference: 'PEN-707', identityNumber: resident.identity, category: 'administrative', typeCode: 'administrative-penalty', formedOn: today, details: { procedure: 'general' } };
    recordId = (await call('POST', '/records', market, penalty)).body.recordId;
    for (let tries = 0; (await score()) !== 970; tries += 1) {
      if (tries > 300) throw new Error('the shared penalty never reached the score');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(() => platform?.stop());

  it('a person files, NDRC forwards, the agency corrects: new version, dispute lifted, new score, applicant notified', async () => {
    const filed = await call('POST', '/objections', person, { target: 'record', recordId, reason: 'The penalty was formed two years ago, not this year' });
    expect(filed.status).toBe(202);
    const { objectionId } = filed.body;
    await expect.poll(async () => (await platform.db.pool.query('SELECT disputed_by FROM records WHERE id = $1', [recordId])).rows[0].disputed_by).toBe(objectionId);
    // A person's token naming a person (themself or anyone) is refused, not ignored (Art. 22).
    for (const named of [personId, '00000000-0000-4000-8000-000000000707']) {
      const naming = await call('POST', '/objections', person, { target: 'score', personId: named, reason: 'on behalf of someone' });
      expect(naming).toMatchObject({ status: 400, body: { error: { field: 'body.personId' } } });
    }
    const again = await call('POST', '/objections', person, { target: 'record', recordId, reason: 'again' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(objectionId);

    const triage = await inbox(ndrc, 'objection-triage');
    expect(triage).toMatchObject({ role: 'ndrc', subject: objectionId, allowedDecisions: ['handle-in-house', 'forward-to-agency'], workingDaysLeft: 2 });
    expect((await call('POST', `/tasks/${triage.id}/claim`, ndrc)).body).toEqual({ taskId: triage.id, claimedBy: 'ndrc-reviewer-li' });
    const malformed = await call('POST', `/tasks/${triage.id}/completion`, ndrc, { decision: 'maybe', reasons: 'unsure' });
    expect(malformed.status).toBe(422);
    expect(malformed.body.error).toMatchObject({ code: 'invalid-decision', field: 'decision' });
    const forwarded = await call('POST', `/tasks/${triage.id}/completion`, ndrc, { decision: 'forward-to-agency', reasons: 'The agency holds the decision file' });
    expect(forwarded).toMatchObject({ status: 200, body: { decision: 'forward-to-agency' } });
    expect((await call('POST', `/tasks/${triage.id}/completion`, ndrc, { decision: 'forward-to-agency', reasons: 'twice' })).status).toBe(409);

    const verification = await inbox(market, 'objection-verification');
    expect(verification).toMatchObject({ agencyId: 'jinan-market-regulation', workingDaysLeft: 5 });
    expect((await call('GET', '/tasks?state=open', ndrc)).body.tasks.find((t: { id: string }) => t.id === verification.id)).toBeUndefined();
    const corrected = await call('POST', `/tasks/${verification.id}/completion`, market, {
      decision: 'correct',
      reasons: 'The decision was issued on a date two years back; the formation day is corrected',
      correction: { typeCode: 'administrative-penalty', formedOn: addDays(today, -730), details: { procedure: 'general' }, evidence: [{ kind: 'decision', ref: 'decision PEN-707' }] },
    });
    expect(corrected.status).toBe(200);

    await expect.poll(async () => (await call('GET', `/objections/${objectionId}`, person)).body.state, { timeout: 15_000 }).toBe('decided');
    const record = await platform.db.pool.query('SELECT version, formed_on, disputed_by FROM records WHERE id = $1', [recordId]);
    expect(record.rows[0]).toEqual({ version: 2, formed_on: addDays(today, -730), disputed_by: null });
    expect((await platform.db.pool.query('SELECT version FROM record_history WHERE id = $1', [recordId])).rows).toEqual([{ version: 1 }]);
    await expect.poll(score, { timeout: 15_000 }).toBe(1000);
    const notice = await platform.db.pool.query(`SELECT body FROM notifications WHERE recipient_id = $1 AND kind = 'objection-decided'`, [personId]);
    expect(notice.rows[0].body).toMatchObject({ objectionId, outcome: 'correct' });
    const history = await call('GET', `/tasks/${verification.id}/history`, market);
    expect(history.body.events.map((e: { event: string }) => e.event)).toEqual(['created', 'completed']);
  });

  it('Art. 20 an objection to the score is corrected by correcting a record the score counts, named by the decision; with nothing counted, correct is not offered', async () => {
    const { tax } = await organisations(platform, { tax: 'jinan-tax' });
    const { identity: objector, token } = await residentInScope(platform, police, { birthDate: '1978-08-08', sequence: 708 });
    const taxRecord = (await call('POST', '/records', tax, { reference: 'TAX-708', identityNumber: objector, category: 'promise-keeping', typeCode: 'tax-refusal', formedOn: today, details: { amountYuan: 5000 } })).body.recordId as string;
    const base = async () => ((await call('GET', '/me/score', token)).body.scores as JsonAnswer['body'][]).find((s) => s.scenario === 'base')?.score;
    await expect.poll(base, { timeout: 15_000 }).toBe(950);

    const filed = await call('POST', '/objections', token, { target: 'score', reason: 'The tax was paid before the deadline; the refusal is dated wrongly' });
    expect(filed.status).toBe(202);
    let task: JsonAnswer['body'] | undefined;
    await expect
      .poll(async () => {
        task = ((await call('GET', '/tasks?state=open', ndrc)).body.tasks as JsonAnswer['body'][]).find((t) => t.subject === filed.body.objectionId);
        return task !== undefined;
      }, { timeout: 15_000 })
      .toBe(true);
    expect(task).toMatchObject({ kind: 'objection-decision', allowedDecisions: ['uphold', 'correct'], decisionInputs: { correction: ['correct'], correctionOf: [taxRecord] } });
    const seen = (await call('GET', `/tasks/${task!.id}/case?record=${taxRecord}`, ndrc)).body.case;
    expect(seen.scoreLines).toMatchObject([{ recordId: taxRecord, typeCode: 'tax-refusal', points: -50 }]);
    expect(seen.record).toMatchObject({ id: taxRecord, reference: 'TAX-708' });
    // Another record than those counted is not shown as the case's record.
    expect((await call('GET', `/tasks/${task!.id}/case?record=${recordId}`, ndrc)).body.case.record).toBeNull();

    const correction = { typeCode: 'tax-refusal', formedOn: addDays(today, -400), details: { amountYuan: 5000 }, evidence: [{ kind: 'decision', ref: 'tax bureau review 2026-88' }] };
    const complete = (body: Record<string, unknown>) => call('POST', `/tasks/${task!.id}/completion`, ndrc, { decision: 'correct', reasons: 'The refusal dates from last year', ...body });
    expect((await complete({ correction })).body.error).toMatchObject({ code: 'invalid-decision', field: 'recordId' });
    expect((await complete({ correction, recordId })).body.error).toMatchObject({ code: 'invalid-decision', field: 'recordId' });
    expect((await complete({ recordId: taxRecord })).body.error).toMatchObject({ field: 'correction' });
    expect((await complete({ correction, recordId: taxRecord })).status).toBe(200);

    await expect.poll(async () => (await call('GET', `/objections/${filed.body.objectionId}`, token)).body.state, { timeout: 15_000 }).toBe('decided');
    expect((await call('GET', `/objections/${filed.body.objectionId}`, token)).body).toMatchObject({
      outcome: 'correct',
      changed: { recordId: taxRecord, typeCode: 'tax-refusal', version: 2, status: 'active' },
    });
    // A tax refusal counts for a year: dated 400 days ago, it no longer does.
    await expect.poll(base, { timeout: 15_000 }).toBe(1000);
    const notice = await platform.db.pool.query(`SELECT body FROM notifications WHERE kind = 'objection-decided' AND workflow_id = $1`, [filed.body.workflowId]);
    expect(notice.rows[0].body).toMatchObject({ outcome: 'correct', changed: { recordId: taxRecord, version: 2 } });

    // Now nothing counts in the score: a second objection to it can only be upheld.
    const again = await call('POST', '/objections', token, { target: 'score', reason: 'Please look again' });
    await expect
      .poll(async () => ((await call('GET', '/tasks?state=open', ndrc)).body.tasks as JsonAnswer['body'][]).find((t) => t.subject === again.body.objectionId)?.allowedDecisions, { timeout: 15_000 })
      .toEqual(['uphold']);
  });

  it('shows supervisors a breached objection with CreditProcess="objection" AND SlaState="breached"', async () => {
    // NDRC registers an objection it received on paper more than 3 working days ago: both clocks have run out.
    const filed = await call('POST', '/objections', ndrc, { target: 'score', personId, reason: 'Paper objection to the score', receivedOn: addDays(today, -10) });
    expect(filed.status).toBe(202);
    const query = 'CreditProcess="objection" AND SlaState="breached"';
    await expect
      .poll(async () => {
        const ids: string[] = [];
        for await (const execution of platform.client.workflow.list({ query })) ids.push(execution.workflowId);
        return ids;
      }, { timeout: 20_000, interval: 500 })
      .toContain(filed.body.workflowId);
    const escalation = await platform.db.pool.query(`SELECT recipient_role FROM notifications WHERE workflow_id = $1 AND kind = 'sla-escalation'`, [filed.body.workflowId]);
    expect(escalation.rows).toEqual([{ recipient_role: 'supervisor' }]);
  });

  it('a supervisor sees who holds a task and since when, ends a claim left by someone absent and reminds whoever holds it: each step in the task history', async () => {
    const filed = await call('POST', '/objections', ndrc, { target: 'score', personId, reason: 'Paper objection left with an absent reviewer', receivedOn: today });
    expect(filed.status).toBe(202);
    let triage: JsonAnswer['body'] | undefined;
    await expect
      .poll(async () => {
        triage = ((await call('GET', '/tasks?state=open', ndrc)).body.tasks as JsonAnswer['body'][]).find((t) => t.subject === filed.body.objectionId);
        return triage !== undefined;
      }, { timeout: 15_000 })
      .toBe(true);
    const taskId = triage!.id as string;
    const absent = await platform.token('ndrc', { subject: 'ndrc-reviewer-on-leave' });
    const colleague = await platform.token('ndrc', { subject: 'ndrc-reviewer-zhou' });
    const supervisor = await platform.token('supervisor', { subject: 'supervisor-qian' });
    expect((await call('POST', `/tasks/${taskId}/claim`, absent)).status).toBe(200);
    expect((await call('POST', `/tasks/${taskId}/claim`, colleague)).body.error).toMatchObject({ code: 'task-closed' });

    const seen = (await call('GET', `/tasks/${taskId}/case`, supervisor)).body.task;
    expect(seen).toMatchObject({ claimedBy: 'ndrc-reviewer-on-leave', claimedAt: expect.any(String) });
    expect(Date.now() - Date.parse(seen.claimedAt)).toBeLessThan(60_000);
    // A supervisor acts on the task but neither claims nor decides it.
    expect((await call('POST', `/tasks/${taskId}/claim`, supervisor)).status).toBe(403);
    expect((await call('POST', `/tasks/${taskId}/completion`, supervisor, { decision: 'uphold', reasons: 'not mine to decide' })).status).toBe(403);
    expect((await call('POST', `/tasks/${taskId}/reminder`, colleague)).status).toBe(403);

    expect((await call('POST', `/tasks/${taskId}/release`, supervisor)).body).toEqual({ taskId, claimedBy: null });
    expect((await call('POST', `/tasks/${taskId}/release`, supervisor)).body.error).toMatchObject({ code: 'task-closed', field: 'taskId' });
    expect((await call('POST', `/tasks/${taskId}/reminder`, supervisor)).body).toEqual({ taskId, remindedTo: 'ndrc' });
    expect((await call('POST', `/tasks/${taskId}/claim`, colleague)).status).toBe(200);
    expect((await call('POST', `/tasks/${taskId}/reminder`, supervisor)).body).toEqual({ taskId, remindedTo: 'ndrc-reviewer-zhou' });
    expect((await call('POST', `/tasks/${taskId}/completion`, colleague, { decision: 'uphold', reasons: 'Taken over from a colleague on leave' })).status).toBe(200);
    expect((await call('POST', `/tasks/${taskId}/reminder`, supervisor)).body.error).toMatchObject({ code: 'task-closed' });

    const history = (await call('GET', `/tasks/${taskId}/history`, supervisor)).body.events as JsonAnswer['body'][];
    expect(history.map(({ event, actor, detail }) => ({ event, actor, detail }))).toEqual([
      { event: 'created', actor: null, detail: {} },
      { event: 'claimed', actor: 'ndrc-reviewer-on-leave', detail: {} },
      { event: 'released', actor: 'supervisor-qian', detail: { releasedFrom: 'ndrc-reviewer-on-leave' } },
      { event: 'reminded', actor: 'supervisor-qian', detail: { to: 'ndrc' } },
      { event: 'claimed', actor: 'ndrc-reviewer-zhou', detail: {} },
      { event: 'reminded', actor: 'supervisor-qian', detail: { to: 'ndrc-reviewer-zhou' } },
      { event: 'completed', actor: 'ndrc-reviewer-zhou', detail: { decision: 'uphold', reasons: 'Taken over from a colleague on leave' } },
    ]);
    const notices = await platform.db.pool.query(`SELECT recipient_role, recipient_id, body FROM notifications WHERE kind = 'task-reminder' AND workflow_id = $1 ORDER BY id`, [filed.body.workflowId]);
    expect(notices.rows).toEqual([
      { recipient_role: 'ndrc', recipient_id: null, body: { taskId } },
      { recipient_role: 'ndrc', recipient_id: 'ndrc-reviewer-zhou', body: { taskId } },
    ]);
  });
});
