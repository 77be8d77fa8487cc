import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, shanghaiDayOf } from '../../src/domain/working-days';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';

describe('Art. 11 self-declaration through the API on the dev server', () => {
  let platform: RunningPlatform;
  let civilAffairs: string;
  let ndrc: string;
  let person: string;
  let volunteeringId: string;
  const today = shanghaiDayOf(new Date());

  const call = (method: string, path: string, token: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);
  const score = async () => ((await call('GET', '/me/score', person)).body.scores as JsonAnswer['body'][]).find((s) => s.scenario === 'base')?.score;
  const honour = {
    category: 'honours',
    typeCode: 'honour-provincial',
    formedOn: addDays(today, -30),
    details: { title: 'Provincial model worker' },
    evidence: [{ kind: 'certificate', ref: 'provincial certificate 2026-311' }],
    authorizeVerification: true,
  };

  beforeAll(async () => {
    platform = await startPlatform();
    const acting = await organisations(platform, { police: 'jinan-public-security', civilAffairs: { id: 'jinan-civil-affairs', subject: 'civil-affairs-clerk-wang' } });
    civilAffairs = acting.civilAffairs;
    ndrc = await platform.token('ndrc');
    for (const typeCode of ['honour-provincial', 'honour-district', 'volunteering']) {
      expect((await call('PUT', `/declaration-routes/${typeCode}`, ndrc, { agencyId: 'jinan-civil-affairs' })).status).toBe(200);
    }
    const resident = await residentInScope(platform, acting.police, { birthDate: '1981-11-11', sequence: 811 });
    person = resident.token;
    const volunteering = { reference: 'VOL-811', identityNumber: resident.identity, category: 'social-contribution', typeCode: 'volunteering', formedOn: today, details: { hours: 40 } };
    volunteeringId = (await call('POST', '/records', civilAffairs, volunteering)).body.recordId;
    // 40 volunteer hours: 4 points.
    for (let tries = 0; (await score()) !== 1004; tries += 1) {
      if (tries > 300) throw new Error('the shared volunteering never reached the score');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(() => platform?.stop());

  it('refuses bad declarations with the field and the reason, and starts nothing', async () => {
    const refusals = [
      [{ ...honour, authorizeVerification: undefined }, 400, 'body.authorizeVerification'],
      [{ ...honour, evidence: [] }, 400, 'body.evidence'],
      [{ ...honour, category: 'law-abiding', typeCode: 'criminal-conviction' }, 400, 'body.category'],
      [{ ...honour, category: 'honours', typeCode: 'volunteering' }, 400, 'body.typeCode'],
      [{ ...honour, details: { rank: 1 } }, 400, 'body.details.rank'],
      // No future facts (issue 26 item 3): an honour is declared once it was awarded.
      [{ ...honour, formedOn: addDays(today, 1) }, 400, 'body.formedOn'],
      // Art. 11: the platform routes a declaration; the declarant names no verifier.
      [{ ...honour, verifierId: 'jinan-civil-affairs' }, 400, 'body.verifierId'],
      [{ ...honour, typeCode: 'honour-municipal' }, 422, 'body.typeCode'],
      [{ ...honour, category: 'social-contribution', typeCode: 'volunteering', formedOn: today, details: { hours: 40 } }, 409, 'typeCode'],
    ] as const;
    for (const [body, status, field] of refusals) {
      const answer = await call('POST', '/declarations', person, body);
      expect({ status: answer.status, field: answer.body.error?.field }).toEqual({ status, field });
    }
    const duplicate = await call('POST', '/declarations', person, { ...honour, category: 'social-contribution', typeCode: 'volunteering', formedOn: today, details: { hours: 40 } });
    expect(duplicate.body.error).toMatchObject({ code: 'duplicate-record', message: expect.stringContaining(volunteeringId) });
    expect((await call('POST', '/declarations', civilAffairs, honour)).status).toBe(403);
    expect((await platform.db.pool.query('SELECT count(*)::int AS n FROM declarations')).rows[0].n).toBe(0);
  });

  it('a person declares, the agency verifies through its inbox: a self-declared record that counts, the score moves', async () => {
    const filed = await call('POST', '/declarations', person, honour);
    expect(filed.status).toBe(202);
    const { declarationId } = filed.body;
    expect((await call('POST', '/declarations', person, honour)).body.error).toMatchObject({ code: 'declaration-open', message: expect.stringContaining(declarationId) });

    let task: JsonAnswer['body'] | undefined;
    await expect
      .poll(async () => {
        task = ((await call('GET', '/tasks?state=open', civilAffairs)).body.tasks as JsonAnswer['body'][]).find((t) => t.subject === declarationId);
        return task !== undefined;
      }, { timeout: 15_000 })
      .toBe(true);
    expect(task).toMatchObject({ kind: 'declaration-verification', agencyId: 'jinan-civil-affairs', allowedDecisions: ['accept', 'reject'], workingDaysLeft: 5 });
    const pending = await call('GET', `/declarations/${declarationId}`, person);
    expect(pending.body).toMatchObject({ state: 'verifying', openTaskId: task!.id, verifierId: 'jinan-civil-affairs' });

    const accepted = await call('POST', `/tasks/${task!.id}/completion`, civilAffairs, { decision: 'accept', reasons: 'Found in the provincial register of model workers' });
    expect(accepted.status).toBe(200);
    await expect.poll(async () => (await call('GET', `/declarations/${declarationId}`, person)).body.state, { timeout: 15_000 }).toBe('accepted');
    const { recordId } = (await call('GET', `/declarations/${declarationId}`, person)).body;
    const records = (await call('GET', '/me/records', person)).body.records as JsonAnswer['body'][];
    expect(records.find((r) => r.id === recordId)).toMatchObject({
      source: 'self-declared',
      sharerId: 'jinan-civil-affairs',
      reference: `DECL-${declarationId}`,
      current: { typeCode: 'honour-provincial', status: 'active' },
    });
    // A provincial honour: 20 points.
    await expect.poll(score, { timeout: 15_000 }).toBe(1024);
    expect((await call('GET', '/declarations', person)).body.declarations).toMatchObject([{ declarationId, state: 'accepted', recordId }]);
  });

  it('Art. 11 the platform routes each declaration to the competent agency by its type and issuer, as NDRC set', async () => {
    // Jinan Bank is registered, as a market provider: no route may send it declarations to verify.
    const { hrss } = await organisations(platform, { hrss: 'shandong-hrss', bank: 'jinan-bank' });
    const issuer = '山东省人民政府';

    const routeRefusals = [
      [civilAffairs, 'honour-provincial', { agencyId: 'shandong-hrss' }, 403, undefined],
      [ndrc, 'criminal-conviction', { agencyId: 'shandong-hrss' }, 422, 'typeCode'],
      [ndrc, 'no-such-type', { agencyId: 'shandong-hrss' }, 422, 'typeCode'],
      [ndrc, 'honour-provincial', { agencyId: 'nobody-here' }, 422, 'agencyId'],
      [ndrc, 'honour-provincial', { agencyId: 'jinan-bank' }, 422, 'agencyId'],
      [ndrc, 'honour-provincial', { agencyId: 'shandong-hrss', extra: 1 }, 400, 'body.extra'],
    ] as const;
    for (const [token, typeCode, body, status, field] of routeRefusals) {
      const answer = await call('PUT', `/declaration-routes/${typeCode}`, token, body);
      expect({ typeCode, status: answer.status, field: answer.body.error?.field }).toEqual({ typeCode, status, field });
    }
    const set = await call('PUT', '/declaration-routes/honour-provincial', ndrc, { issuer: ` ${issuer} `, agencyId: 'shandong-hrss' });
    expect(set.body).toMatchObject({ typeCode: 'honour-provincial', issuer, agencyId: 'shandong-hrss', setAt: expect.any(String) });
    const routes = (await call('GET', '/declaration-routes', person)).body.routes as JsonAnswer['body'][];
    expect(routes.filter((route) => route.typeCode === 'honour-provincial').map(({ issuer: of, agencyId }) => ({ of, agencyId }))).toEqual([
      { of: '', agencyId: 'jinan-civil-affairs' },
      { of: issuer, agencyId: 'shandong-hrss' },
    ]);

    // The issuer's own route wins; another issuer takes the type's route for any.
    const byIssuer = await call('POST', '/declarations', person, { ...honour, formedOn: addDays(today, -40), details: { awardedBy: issuer } });
    const byDefault = await call('POST', '/declarations', person, { ...honour, formedOn: addDays(today, -41), details: { awardedBy: '济南市人民政府' } });
    expect([byIssuer.status, byDefault.status]).toEqual([202, 202]);
    expect((await call('GET', `/declarations/${byIssuer.body.declarationId}`, person)).body.verifierId).toBe('shandong-hrss');
    expect((await call('GET', `/declarations/${byDefault.body.declarationId}`, person)).body.verifierId).toBe('jinan-civil-affairs');
    await expect
      .poll(async () => ((await call('GET', '/tasks?state=open', hrss)).body.tasks as JsonAnswer['body'][]).map((task) => task.subject), { timeout: 15_000 })
      .toEqual([byIssuer.body.declarationId]);
    for (const filed of [byIssuer, byDefault]) await call('POST', `/declarations/${filed.body.declarationId}/withdrawal`, person);
  });

  it('lets the declarant withdraw before the decision; others see nothing of it', async () => {
    const filed = await call('POST', '/declarations', person, { ...honour, typeCode: 'honour-district', details: {} });
    const { declarationId } = filed.body;
    const stranger = await platform.token('person', { person: '00000000-0000-4000-8000-000000000001' });
    expect((await call('GET', `/declarations/${declarationId}`, stranger)).status).toBe(404);
    expect((await call('POST', `/declarations/${declarationId}/withdrawal`, stranger)).status).toBe(404);
    expect((await call('POST', `/declarations/${declarationId}/withdrawal`, person)).body).toEqual({ state: 'withdrawn' });
    expect((await call('POST', `/declarations/${declarationId}/withdrawal`, person)).status).toBe(409);
    expect((await call('GET', `/declarations/${declarationId}`, person)).body).toMatchObject({ state: 'withdrawn', openTaskId: null });
  });
});
