import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, shanghaiDayOf } from '../../src/domain/working-days';
import { identityNumber } from '../support/identities';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';

describe('Art. 21 credit repair through the API on the dev server', () => {
  let platform: RunningPlatform;
  let market: string;
  let civicDb: string;
  let ndrc: string;
  let person: string;
  let personId: string;
  let penaltyId: string;
  let resident: string;
  const today = shanghaiDayOf(new Date());

  const call = (method: string, path: string, token: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);
  const baseScore = async () => ((await call('GET', '/me/score', person)).body.scores as JsonAnswer['body'][]).find((s) => s.scenario === 'base');
  const openTask = async (token: string, subject: string, kind: string) => {
    let task: JsonAnswer['body'] | undefined;
    await expect
      .poll(async () => {
        task = ((await call('GET', '/tasks?state=open', token)).body.tasks as JsonAnswer['body'][]).find((t) => t.subject === subject && t.kind === kind);
        return task !== undefined;
      }, { timeout: 15_000 })
      .toBe(true);
    return task!;
  };
  const volunteering = (eventId: string, hours: number, occurredOn = today) => ({ eventId, identityNumber: resident, kind: 'volunteering', amount: hours, occurredOn });

  beforeAll(async () => {
    platform = await startPlatform();
    const acting = await organisations(platform, {
      police: 'jinan-public-security',
      market: { id: 'jinan-market-regulation', subject: 'market-clerk-li' },
      civicDb: { id: 'jinan-civilisation-office', role: 'civic-db' },
    });
    ({ market, civicDb } = acting);
    ndrc = await platform.token('ndrc', { subject: 'ndrc-reviewer-zhao' });
    ({ identity: resident, personId, token: person } = await residentInScope(platform, acting.police, { birthDate: '1979-02-14', sequence: 721 }));
    // A general-tier penalty formed four months ago: its 3-month minimum period is served.
    const penalty = await call('POST', '/records', market, {
      reference: 'PEN-721', identityNumber: resident, category: 'administrative', typeCode: 'administrative-penalty', formedOn: addDays(today, -120), details: { procedure: 'general' },
    });
    expect(penalty.status).toBe(201);
    penaltyId = penalty.body.recordId;
    // The penalty costs 30 points in the base model.
    for (let tries = 0; (await baseScore())?.score !== 970; tries += 1) {
      if (tries > 300) throw new Error('the shared penalty never reached the score');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(() => platform?.stop());

  it('shows the routes and the commitment, and refuses bad applications with the field and the reason, starting nothing', async () => {
    const eligibility = await call('GET', `/repairs/eligibility?recordId=${penaltyId}`, person);
    expect(eligibility.body).toMatchObject({
      eligible: true,
      tier: 'general',
      deciderId: 'jinan-market-regulation',
      openRepairId: null,
      commitment: { version: '2026-04', text: expect.stringContaining('承诺') },
      maximumEndsOn: expect.any(String),
    });
    expect(eligibility.body.routes).toContainEqual({ route: 'volunteering', unit: 'hours', threshold: 20, windowDays: 90 });

    const application = { recordId: penaltyId, route: 'volunteering', commitmentVersion: '2026-04' };
    const refusals = [
      [{ ...application, commitmentVersion: undefined }, 400, 'body.commitmentVersion', 'invalid-input'],
      [{ ...application, route: 'bribery' }, 400, 'body.route', 'invalid-input'],
      [{ ...application, recordId: 'PEN-721' }, 400, 'body.recordId', 'invalid-input'],
      [{ ...application, extra: 1 }, 400, 'body.extra', 'invalid-input'],
      [{ ...application, commitmentVersion: '2020-01' }, 422, 'commitmentVersion', 'commitment-missing'],
      [{ ...application, recordId: '00000000-0000-4000-8000-000000000009' }, 404, 'recordId', 'not-found'],
    ] as const;
    for (const [body, status, field, code] of refusals) {
      const answer = await call('POST', '/repairs', person, body);
      expect({ status: answer.status, field: answer.body.error?.field, code: answer.body.error?.code }).toEqual({ status, field, code });
    }
    // Order 36 art. 3: the credit commitment is signed by real name.
    const unverified = await platform.token('person', { person: personId, acr: null });
    expect((await call('POST', '/repairs', unverified, application)).body.error).toMatchObject({ code: 'real-name-required', field: 'token' });
    expect((await call('POST', '/repairs', market, application)).status).toBe(403);
    expect((await call('GET', `/repairs/eligibility?recordId=${penaltyId}`, market)).status).toBe(403);
    expect((await platform.db.pool.query('SELECT count(*)::int AS n FROM repairs')).rows[0].n).toBe(0);
  });

  it('a repair by volunteering fed by the civilised-behaviour database, checked by NDRC and approved by the agency: a new score, the record no longer counting', async () => {
    const filed = await call('POST', '/repairs', person, { recordId: penaltyId, route: 'volunteering', commitmentVersion: '2026-04' });
    expect(filed.status).toBe(202);
    const { repairId } = filed.body;
    expect((await call('POST', '/repairs', person, { recordId: penaltyId, route: 'donation', commitmentVersion: '2026-04' })).body.error).toMatchObject({
      code: 'repair-open',
      message: expect.stringContaining(repairId),
    });
    expect((await call('GET', `/repairs/eligibility?recordId=${penaltyId}`, person)).body.openRepairId).toBe(repairId);
    // Order 36 art. 3: the agency confirms the obligation met first; the volunteering adds to it, it does not replace it.
    const obligation = await openTask(market, repairId, 'repair-performance');
    expect((await call('POST', `/tasks/${obligation.id}/completion`, market, { decision: 'met', reasons: 'The fine was paid' })).status).toBe(200);

    // The feed: a malformed event refuses the request; the role and the agency are checked.
    const malformed = await call('POST', '/civic-events', civicDb, { events: [volunteering('EV-1', 12), { ...volunteering('EV-2', 8), amount: -8 }] });
    expect(malformed.body.error).toMatchObject({ code: 'invalid-input', field: 'body.events.1.amount' });
    expect((await call('POST', '/civic-events', civicDb, { events: [volunteering('EV-9', 3, addDays(today, 1))] })).body.error).toMatchObject({ field: 'body.events.0.occurredOn' });
    expect((await call('POST', '/civic-events', market, { events: [volunteering('EV-1', 12)] })).status).toBe(403);
    const unregistered = await platform.token('civic-db', { agency: 'nobody-here' });
    expect((await call('POST', '/civic-events', unregistered, { events: [volunteering('EV-1', 12)] })).body.error).toMatchObject({ code: 'unregistered-sharer' });
    expect((await platform.db.pool.query('SELECT count(*)::int AS n FROM civic_events')).rows[0].n).toBe(0);

    const minor = identityNumber('2012-05-05', 722);
    const fed = await call('POST', '/civic-events', civicDb, { events: [volunteering('EV-1', 12), { ...volunteering('EV-M', 4), identityNumber: minor }] });
    expect(fed.status).toBe(202);
    expect(fed.body).toMatchObject({ accepted: ['EV-1'], duplicates: [], refused: [{ eventId: 'EV-M', code: 'out-of-scope', field: 'body.events.1.occurredOn' }] });
    // The request is one unit of work: one batch process kept its events before the answer.
    expect(fed.body.workflowId).toMatch(/^civic-batch\/jinan-civilisation-office\//);
    expect((await platform.db.pool.query('SELECT event_id FROM civic_events WHERE fed_in = $1', [fed.body.workflowId])).rows).toEqual([{ event_id: 'EV-1' }]);
    await expect.poll(async () => (await call('GET', `/repairs/${repairId}`, person)).body.progress, { timeout: 15_000 }).toBe(12);
    // The database sends its feed again, with the next event (twice): the first is a duplicate, the next counts once.
    const again = await call('POST', '/civic-events', civicDb, { events: [volunteering('EV-1', 12), volunteering('EV-2', 8), volunteering('EV-2', 8)] });
    expect(again.body).toMatchObject({ accepted: ['EV-2'], refused: [] });
    expect([...(again.body.duplicates as string[])].sort()).toEqual(['EV-1', 'EV-2']);
    await expect.poll(async () => (await call('GET', `/repairs/${repairId}`, person)).body.state, { timeout: 15_000 }).toBe('checking');
    expect((await call('GET', `/repairs/${repairId}`, person)).body).toMatchObject({ progress: 20, route: 'volunteering', deciderId: 'jinan-market-regulation' });

    const check = await openTask(ndrc, repairId, 'repair-completeness');
    expect(check).toMatchObject({ role: 'ndrc', allowedDecisions: ['complete', 'request-supplement', 'incomplete'], workingDaysLeft: 10 });
    expect((await call('POST', `/tasks/${check.id}/completion`, ndrc, { decision: 'complete', reasons: '20 hours in the civilised-behaviour database, commitment signed' })).status).toBe(200);
    const decision = await openTask(market, repairId, 'repair-decision');
    expect(decision).toMatchObject({ agencyId: 'jinan-market-regulation', allowedDecisions: ['approve', 'reject'], workingDaysLeft: 3 });
    expect((await call('GET', `/repairs/${repairId}`, market)).body).toMatchObject({ state: 'deciding', openTaskId: decision.id });
    expect((await call('POST', `/tasks/${decision.id}/completion`, market, { decision: 'approve', reasons: 'Penalty paid, 20 hours served' })).status).toBe(200);

    await expect.poll(async () => (await call('GET', `/repairs/${repairId}`, person)).body.state, { timeout: 15_000 }).toBe('approved');
    const records = (await call('GET', '/me/records', person)).body.records as JsonAnswer['body'][];
    expect(records.find((r) => r.id === penaltyId)).toMatchObject({ current: { status: 'repaired', version: 2 } });
    expect(records.filter((r) => r.reference.startsWith('CIVIC-')).map((r) => r.current.typeCode)).toEqual(['volunteering', 'volunteering']);
    // The penalty (-30) no longer counts once the person is rescored; each volunteering record counts on its own (12 hours: 1 point, 8: none).
    await expect
      .poll(async () => {
        const after = (await baseScore())!;
        return { score: after.score, penaltyCounted: after.breakdown.lines.some((line: JsonAnswer['body']) => line.recordId === penaltyId) };
      }, { timeout: 15_000 })
      .toEqual({ score: 1001, penaltyCounted: false });
    expect((await call('GET', '/repairs', person)).body.repairs).toMatchObject([{ repairId, state: 'approved', outcomeReasons: 'Penalty paid, 20 hours served' }]);
    expect((await call('POST', `/repairs/${repairId}/withdrawal`, person)).body.error).toMatchObject({ code: 'repair-closed' });
    const stranger = await platform.token('person', { person: '00000000-0000-4000-8000-000000000001' });
    expect((await call('GET', `/repairs/${repairId}`, stranger)).status).toBe(404);
  });

  it('NDRC publishes new repair conditions without a release: in force for applications from then on', async () => {
    const [v1] = (await call('GET', '/repair-rules', person)).body.versions as JsonAnswer['body'][];
    expect(v1).toMatchObject({ version: 1, status: 'active', definition: { commitment: { version: '2026-04' } } });
    const definition = structuredClone(v1!.definition);
    definition.routes.volunteering.tiers.general.threshold = 16;
    definition.commitment.version = '2026-12';
    const published = { definition, description: 'general records: 16 volunteer hours' };
    expect((await call('POST', '/repair-rules', market, published)).status).toBe(403);
    expect((await call('POST', '/repair-rules', ndrc, { ...published, definition: { ...definition, minimumMonths: { minor: 0, general: -1, serious: 12 } } })).body.error).toMatchObject({
      code: 'invalid-input',
      field: 'body.definition.minimumMonths.general',
    });
    expect(await call('POST', '/repair-rules', ndrc, published)).toMatchObject({ status: 201, body: { version: 2, status: 'active', effectiveFrom: today, retired: 1 } });
    // Conditions for a later day are scheduled (their workflow puts them in force that day); the past is refused.
    const later = { ...published, definition: { ...definition, commitment: { ...definition.commitment, version: '2027-01' } }, effectiveFrom: addDays(today, 30) };
    expect((await call('POST', '/repair-rules', ndrc, { ...later, effectiveFrom: addDays(today, -1) })).body.error).toMatchObject({ field: 'body.effectiveFrom' });
    const scheduled = await call('POST', '/repair-rules', ndrc, later);
    expect(scheduled).toMatchObject({ status: 202, body: { version: 3, status: 'scheduled', effectiveFrom: addDays(today, 30) } });
    expect((await platform.client.workflow.getHandle(scheduled.body.workflowId as string).describe()).status.name).toBe('RUNNING');
    const versions = (await call('GET', '/repair-rules', person)).body.versions as JsonAnswer['body'][];
    expect(versions.map((v) => `${v.version}:${v.status}:${v.effectiveFrom}`)).toEqual([`3:scheduled:${addDays(today, 30)}`, `2:active:${today}`, `1:retired:${versions[2]!.effectiveFrom}`]);

    const record = (await call('POST', '/records', market, { reference: 'PEN-721-B', identityNumber: resident, category: 'administrative', typeCode: 'administrative-enforcement', formedOn: addDays(today, -100), details: {} })).body.recordId;
    const eligibility = await call('GET', `/repairs/eligibility?recordId=${record}`, person);
    expect(eligibility.body).toMatchObject({ rulesVersion: 2, commitment: { version: '2026-12' } });
    expect(eligibility.body.routes).toContainEqual({ route: 'volunteering', unit: 'hours', threshold: 16, windowDays: 90 });
    // The commitment the person signed before is no longer the one in force.
    expect((await call('POST', '/repairs', person, { recordId: record, route: 'volunteering', commitmentVersion: '2026-04' })).body.error).toMatchObject({ code: 'commitment-missing' });
    expect((await call('POST', '/repairs', person, { recordId: record, route: 'volunteering', commitmentVersion: '2026-12' })).status).toBe(202);
  });
});
