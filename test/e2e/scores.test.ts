import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendarMonths, addDays, shanghaiDayOf } from '../../src/domain/working-days';
import { identityNumber } from '../support/identities';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';

interface ScoreView {
  inScope: boolean;
  scores: { scenario: string; modelId: string; score: number; level: string; breakdown: { base: number; categories: Record<string, number>; lines: { typeCode: string }[] } }[];
  history: unknown[];
}

/**
 * Each test scores a resident of its own, so that it passes alone (`npx vitest run -t "Art. 13"`)
 * as well as after the others.
 */
describe('The score through the API on the dev server', () => {
  let platform: RunningPlatform;
  let police: string;
  let market: string;
  let tax: string;
  let institution: string;
  const today = shanghaiDayOf(new Date());

  const call = (method: string, path: string, token: string, body?: unknown) => platform.call(method, path, token, body);

  beforeAll(async () => {
    platform = await startPlatform();
    ({ police, market, tax } = await organisations(platform, { police: 'jinan-public-security', market: 'jinan-market-regulation', tax: 'jinan-tax' }));
    institution = await platform.token('institution');
  });
  afterAll(() => platform?.stop());

  /** A resident whose household registration and full civil capacity the police confirm (Art. 3), and how to read and add to their score. */
  async function resident(sequence: number) {
    const { identity, token } = await residentInScope(platform, police, { birthDate: '1984-04-04', sequence });
    const share = (token: string, reference: string, category: string, typeCode: string, details: Record<string, unknown> = {}) =>
      call('POST', '/records', token, { reference: `${reference}-${sequence}`, identityNumber: identity, category, typeCode, formedOn: today, details });
    const scores = async () => ((await call('GET', '/me/score', token)).body as unknown as ScoreView).scores;
    const base = async () => (await scores()).find((s) => s.scenario === 'base');
    return { share, scores, base, token, identity };
  }

  it('Art. 3 scores a person once agencies confirm household registration and full civil capacity', async () => {
    const person = await resident(401);
    await expect.poll(person.base, { timeout: 15_000 }).toMatchObject({ score: 1000, level: 'A', modelId: 'base-v1' });
  });

  it('Art. 3 scope follows the facts: a revoked household registration takes the person out at once and their score at the rescoring, a permit brings them back, a corrected capacity takes them out again; their records are kept', async () => {
    const person = await resident(405);
    await expect.poll(person.base, { timeout: 15_000 }).toMatchObject({ score: 1000 });
    const standing = async () => {
      const { inScope, outOfScope } = (await call('GET', '/me/score', person.token)).body as { inScope: boolean; outOfScope: { code: string }[] };
      return { inScope, reasons: outOfScope.map((reason) => reason.code) };
    };

    expect((await call('POST', '/records/HUKOU-405/revocation', police, { reason: 'moved out of Jinan' })).status).toBe(200);
    expect(await standing()).toEqual({ inScope: false, reasons: ['no-local-residency'] });
    await expect.poll(person.base, { timeout: 15_000 }).toBeUndefined();
    // Collection is Art. 2: a record about a person out of scope is stored, and simply does not score.
    expect((await person.share(market, 'PEN', 'administrative', 'administrative-penalty', { procedure: 'general' })).status).toBe(201);

    expect((await person.share(police, 'PERMIT', 'identity', 'residence-permit', { validUntil: addDays(today, 365) })).status).toBe(201);
    expect(await standing()).toEqual({ inScope: true, reasons: [] });
    await expect.poll(person.base, { timeout: 15_000 }).toMatchObject({ score: 970 });

    const corrected = await call('POST', '/records/CAPACITY-405/correction', police, {
      typeCode: 'civil-capacity',
      formedOn: today,
      details: { capacity: 'limited' },
      evidence: [{ kind: 'decision', ref: 'court judgment on capacity' }],
      reason: 'a court limited the civil capacity',
    });
    expect(corrected.status).toBe(200);
    expect(await standing()).toEqual({ inScope: false, reasons: ['civil-capacity-not-full'] });
    await expect.poll(person.base, { timeout: 15_000 }).toBeUndefined();
  });

  it('Art. 3 takes the residence permits of Hong Kong, Macao and Taiwan residents as identity numbers', async () => {
    for (const [region, sequence] of [['810000', 406], ['820000', 407], ['830000', 408]] as const) {
      const identity = identityNumber('1986-06-06', sequence, region);
      const shared = await call('POST', '/records', police, { reference: `PERMIT-${sequence}`, identityNumber: identity, category: 'identity', typeCode: 'residence-permit', formedOn: today, details: { validUntil: addDays(today, 365) } });
      expect({ region, status: shared.status }).toEqual({ region, status: 201 });
    }
  });

  it('Art. 6 moves the score through the event path when a record is shared, and Art. 4 explains every point', async () => {
    const person = await resident(402);
    await expect.poll(person.base, { timeout: 15_000 }).toMatchObject({ score: 1000 });
    const started = Date.now();
    expect((await person.share(market, 'PEN', 'administrative', 'administrative-penalty', { procedure: 'general' })).status).toBe(201);
    await expect.poll(person.base, { timeout: 15_000, interval: 25 }).toMatchObject({ score: 970 });
    expect(Date.now() - started).toBeLessThan(15_000);
    const score = (await person.base())!;
    expect(score.breakdown.base + Object.values(score.breakdown.categories).reduce((a, b) => a + b, 0)).toBe(score.score);
    expect(score.breakdown.lines.map((line) => line.typeCode)).toEqual(['administrative-penalty']);
  });

  it('Art. 4 the tier belongs to the record (Guobanfa [2025] 22): the agency classifies it within its type, a warning is minor, points, period and repair follow the tier; a conviction counts 5 years from the sentence served', async () => {
    const person = await resident(431);
    await expect.poll(person.base, { timeout: 15_000 }).toMatchObject({ score: 1000 });
    const share = (token: string, body: Record<string, unknown>) => call('POST', '/records', token, { identityNumber: person.identity, formedOn: today, ...body });
    const penalty = { category: 'administrative', typeCode: 'administrative-penalty' };

    // Refused, writing nothing: a tier the type does not allow, a tier for positive information.
    const narrow = await share(tax, { reference: 'FEE-431', category: 'promise-keeping', typeCode: 'fee-refusal', tier: 'serious' });
    expect(narrow).toMatchObject({ status: 400, body: { error: { code: 'invalid-input', field: 'body.tier', message: expect.stringContaining('fee-refusal is classified minor, general, not serious') } } });
    const honour = await share(police, { reference: 'HON-431', category: 'honours', typeCode: 'honour-municipal', tier: 'minor' });
    expect(honour).toMatchObject({ status: 400, body: { error: { field: 'body.tier' } } });

    expect((await share(market, { ...penalty, reference: 'WARN-431', details: { procedure: 'general', penaltyKind: 'warning' } })).status).toBe(201);
    expect((await share(market, { ...penalty, reference: 'GRAVE-431', tier: 'serious', details: { procedure: 'general', penaltyKind: 'fine' } })).status).toBe(201);
    const tierOf = async (reference: string) => ((await call('GET', `/records/${reference}`, market)).body as { current: { tier: string } }).current.tier;
    expect([await tierOf('WARN-431'), await tierOf('GRAVE-431')]).toEqual(['minor', 'serious']);
    await expect.poll(person.base, { timeout: 15_000 }).toMatchObject({ score: 870 });
    const lines = ((await person.base())!.breakdown.lines as unknown as { points: number; countsUntil: string | null }[]).map((line) => [line.points, line.countsUntil]);
    expect(lines.sort()).toEqual([[-10, addCalendarMonths(today, 3)], [-120, addCalendarMonths(today, 36)]].sort());

    // A minor record may be repaired at once; a serious one only after a year.
    const idOf = async (reference: string) => (await platform.db.pool.query('SELECT id FROM records WHERE reference = $1', [reference])).rows[0].id as string;
    const eligibility = async (reference: string) => (await call('GET', `/repairs/eligibility?recordId=${await idOf(reference)}`, person.token)).body;
    expect(await eligibility('WARN-431')).toMatchObject({ eligible: true, tier: 'minor', maximumEndsOn: addCalendarMonths(today, 3) });
    expect(await eligibility('GRAVE-431')).toMatchObject({ eligible: false, rule: 'minimum-period', eligibleFrom: addCalendarMonths(today, 12) });

    // A conviction counts while the day its sentence was served is unknown, and 5 years after it.
    const conviction = { reference: 'CONV-431', category: 'law-abiding', typeCode: 'criminal-conviction', formedOn: addCalendarMonths(today, -120) };
    expect((await share(police, { ...conviction, details: { caseNumber: '(2016)鲁0102刑初1号' } })).status).toBe(201);
    await expect.poll(person.base, { timeout: 15_000 }).toMatchObject({ score: 670 });
    const served = { typeCode: conviction.typeCode, formedOn: conviction.formedOn, details: { caseNumber: '(2016)鲁0102刑初1号', sentenceServedOn: addCalendarMonths(today, -61) }, evidence: [] };
    expect((await call('POST', '/records/CONV-431/correction', police, { ...served, reason: 'the day the sentence was served, now known' })).status).toBe(200);
    await expect.poll(person.base, { timeout: 15_000 }).toMatchObject({ score: 870 });
  });

  it('Art. 14 scores the lending scenario differently from the same records', async () => {
    const person = await resident(403);
    expect((await person.share(tax, 'TAX', 'promise-keeping', 'tax-refusal', {})).status).toBe(201);
    await expect.poll(person.base, { timeout: 15_000 }).toMatchObject({ score: 950 });
    const lending = (await person.scores()).find((s) => s.scenario === 'lending');
    expect(lending).toMatchObject({ modelId: 'lending-v1', score: 900 });
  });

  it('Art. 13 a draft or a model under public comment scores nobody; anyone reads it and comments, NDRC exports the comments and activates it only after the comment, on its effective day, which rescores the scenario', async () => {
    const person = await resident(404);
    const ndrc = await platform.token('ndrc', { subject: 'ndrc-models-zhao' });
    expect((await person.share(market, 'PEN', 'administrative', 'administrative-penalty', { procedure: 'general' })).status).toBe(201);
    await expect.poll(person.base, { timeout: 15_000 }).toMatchObject({ modelId: 'base-v1', score: 970 });
    const models = (await call('GET', '/models', institution)).body as { models: { id: string; status: string; adoption: string | null }[] };
    expect(models.models.filter((m) => m.status === 'active').map((m) => m.id).sort()).toEqual(['base-v1', 'lending-v1']);
    // The seeded models say how they were adopted.
    expect(models.models.find((m) => m.id === 'base-v1')?.adoption).toContain('public comment');
    const current = await platform.db.pool.query(`SELECT definition FROM score_models WHERE id = 'base-v1'`);
    const definition = current.rows[0].definition;
    definition.rules['administrative-penalty'].points = -60;

    const drafted = await call('POST', '/models', institution, { scenario: 'base', description: 'Penalties weigh double', definition });
    expect(drafted).toMatchObject({ status: 201, body: { modelId: 'base-v2', status: 'draft' } });
    // A draft goes to public comment before anything else; NDRC does not put it there.
    expect((await call('POST', '/models/base-v2/transitions', ndrc, { to: 'active' })).body.error).toMatchObject({ code: 'invalid-transition' });
    expect((await call('POST', '/models/base-v2/transitions', ndrc, { to: 'public-comment', commentUntil: today })).status).toBe(403);
    expect((await call('POST', '/models/base-v2/transitions', institution, { to: 'public-comment' })).status).toBe(400);
    expect((await call('POST', '/models/base-v2/transitions', institution, { to: 'public-comment', commentUntil: addDays(today, -1) })).status).toBe(400);
    expect((await call('POST', '/models/base-v2/transitions', institution, { to: 'public-comment', commentUntil: today })).status).toBe(200);

    // Anyone reads the draft, without a token; anyone with one comments, a resident included.
    const published = (await platform.call('GET', '/models/public-comment')).body as { models: { id: string; commentUntil: string; definition: { rules: Record<string, { points: number }> } }[] };
    expect(published.models.map((m) => ({ id: m.id, commentUntil: m.commentUntil, points: m.definition.rules['administrative-penalty']!.points }))).toEqual([{ id: 'base-v2', commentUntil: today, points: -60 }]);
    // Published with what it would change over the city, aggregated: the penalised resident goes from A to B (970 to 940).
    const impact = (published.models[0] as unknown as { impact: { persons: number; levels: { draft: Record<string, number> }; matrix: JsonAnswer['body'][]; drivers: JsonAnswer['body'][] } }).impact;
    expect(impact.matrix).toContainEqual({ today: 'A', draft: 'B', persons: expect.any(Number) });
    expect(impact.drivers).toEqual([{ typeCode: 'administrative-penalty', persons: expect.any(Number), moving: expect.any(Number) }]);
    expect(impact.drivers[0]!.moving).toBeGreaterThanOrEqual(1);
    expect(Object.values(impact.levels.draft).reduce((a, b) => a + b, 0)).toBe(impact.persons);
    const personId = (await platform.db.pool.query(`SELECT person_id FROM records WHERE reference = 'PEN-404'`)).rows[0].person_id as string;
    expect((await call('POST', '/models/base-v2/comments', person.token, { comment: '处罚分值翻倍过重，建议区分情节' })).status).toBe(201);
    expect((await call('POST', '/models/base-v2/comments', market, { comment: 'Agree with doubling, 市场监管局' })).status).toBe(201);
    expect((await platform.call('POST', '/models/base-v2/comments', undefined, { comment: 'anonymous' })).status).toBe(401);
    expect((await call('POST', '/models/base-v2/comments', person.token, { comment: ' ' })).status).toBe(400);
    expect((await call('POST', '/models/base-v1/comments', person.token, { comment: 'the active one' })).body.error).toMatchObject({ code: 'comment-closed' });
    const comments = (await call('GET', '/models/base-v2/comments', ndrc)).body as { comments: { authorRole: string; author: string; comment: string }[] };
    expect(comments.comments.map(({ authorRole, author }) => ({ authorRole, author }))).toEqual([
      { authorRole: 'person', author: personId },
      { authorRole: 'agency', author: expect.any(String) },
    ]);
    expect((await call('GET', '/models/base-v2/comments', person.token)).status).toBe(403);
    const exported = await fetch(`${platform.url}/models/base-v2/comments.csv`, { headers: { authorization: `Bearer ${ndrc}` } });
    const csv = await exported.text();
    expect(csv.split('\r\n')[0]).toBe('commentId,submittedAt,authorRole,author,comment');
    expect(csv).toContain('处罚分值翻倍过重，建议区分情节');

    expect((await call('POST', '/rescoring/schedule/trigger', institution)).status).toBe(202);
    await expect
      .poll(async () => ((await call('GET', '/rescoring/runs', institution)).body as { runs: { id: string; finishedAt: string | null }[] }).runs.find((r) => r.id === `rescore-due/${today}`)?.finishedAt, {
        timeout: 30_000,
      })
      .toBeTruthy();
    expect(await person.base()).toMatchObject({ modelId: 'base-v1', score: 970 });

    // NDRC activates, not the institution, and not while the comment runs (it runs to the end of today).
    expect((await call('POST', '/models/base-v2/transitions', institution, { to: 'active' })).status).toBe(403);
    expect((await call('POST', '/models/base-v2/transitions', ndrc, { to: 'active' })).body.error).toMatchObject({ code: 'comment-period-open' });
    expect((await call('POST', '/models/base-v2/transitions', ndrc, { to: 'active', effectiveFrom: addDays(today, -1) })).status).toBe(400);
    // An activation on a later day is scheduled durably and answered at once; the model shows its day.
    const scheduled = await call('POST', '/models/base-v2/transitions', ndrc, { to: 'active', effectiveFrom: addDays(today, 3) });
    expect(scheduled).toMatchObject({ status: 202, body: { modelId: 'base-v2', status: 'scheduled', effectiveFrom: addDays(today, 3) } });
    const waiting = (await call('GET', '/models', ndrc)).body as { models: { id: string; status: string; effectiveFrom: string | null }[] };
    expect(waiting.models.find((m) => m.id === 'base-v2')).toMatchObject({ status: 'public-comment', effectiveFrom: addDays(today, 3) });
    expect((await platform.client.workflow.getHandle(scheduled.body.workflowId as string).describe()).status.name).toBe('RUNNING');

    // The comment period over (as it will be tomorrow), comments close and NDRC may activate today.
    await platform.db.pool.query(`UPDATE score_models SET comment_until = $2 WHERE id = $1`, ['base-v2', addDays(today, -1)]);
    expect((await call('POST', '/models/base-v2/comments', person.token, { comment: 'too late' })).body.error).toMatchObject({ code: 'comment-closed' });
    const activated = await call('POST', '/models/base-v2/transitions', ndrc, { to: 'active' });
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ modelId: 'base-v2', status: 'active', rescoring: { personsScored: expect.any(Number) } });
    expect(await person.base()).toMatchObject({ modelId: 'base-v2', score: 940 });
    const after = (await call('GET', '/models', institution)).body as { models: { id: string; status: string; activatedBy: string | null; effectiveFrom: string | null }[] };
    expect(after.models.find((m) => m.id === 'base-v1')?.status).toBe('retired');
    expect(after.models.find((m) => m.id === 'base-v2')).toMatchObject({ activatedBy: 'ndrc-models-zhao', effectiveFrom: today });
    const view = (await call('GET', '/me/score', person.token)).body as unknown as ScoreView;
    expect(view.history.length).toBeGreaterThanOrEqual(3);
  });
});
