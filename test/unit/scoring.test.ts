import { describe, expect, it } from 'vitest';
import { modelCatalogueProblem, modelDefinitionSchema, type ModelDefinition } from '../../src/domain/score-model';
import type { Severity } from '../../src/domain/record';
import type { CatalogueEntry } from '../../src/domain/record-types';
import { evaluate, type CatalogueCounting, type ScoredRecord } from '../../src/domain/scoring';

const model: ModelDefinition = modelDefinitionSchema.parse({
  baseScore: 1000,
  levels: [
    { level: 'AAA', min: 1050 },
    { level: 'AA', min: 1030 },
    { level: 'A', min: 960 },
    { level: 'B', min: 850 },
    { level: 'C', min: 600 },
    { level: 'D', min: null },
  ],
  categoryCaps: { honours: 60, 'social-contribution': 60 },
  rules: {
    'honour-national': { points: 30 },
    volunteering: { points: 1, perUnit: { field: 'hours', size: 10 }, yearlyCap: 20 },
    'administrative-penalty': { points: -30, tierPoints: { minor: -10, serious: -120 } },
    'court-dishonest-debtor': { points: -150 },
    'criminal-conviction': { points: -200 },
  },
});
const counting = (severity: Severity | null, countsForMonths: number | null, tiers: CatalogueEntry['tiers'] = {}, countsFrom: string | null = null) => ({
  severity,
  countsForMonths,
  tiers,
  countsFrom,
});
const catalogue: CatalogueCounting = new Map([
  ['honour-national', counting(null, 36)],
  ['volunteering', counting(null, 24)],
  ['administrative-penalty', counting('general', 12, { minor: 3, general: 12, serious: 36 })],
  ['court-dishonest-debtor', counting('serious', null, { serious: null })],
  ['criminal-conviction', counting('serious', 60, { serious: 60 }, 'sentenceServedOn')],
]);

let n = 0;
const record = (
  typeCode: string,
  category: string,
  formedOn: string,
  details: Record<string, unknown> = {},
  status: 'active' | 'revoked' = 'active',
  tier: Severity | null = catalogue.get(typeCode)?.severity ?? null,
): ScoredRecord => ({
  id: `r${(n += 1)}`,
  typeCode,
  category,
  formedOn,
  status,
  tier,
  details,
});

describe('Art. 4 an explainable score', () => {
  it('explains every point: the breakdown sums to the score', () => {
    const records = [
      record('honour-national', 'honours', '2025-05-01'),
      record('honour-national', 'honours', '2026-01-10'),
      record('honour-national', 'honours', '2026-03-10'),
      record('volunteering', 'social-contribution', '2026-02-01', { hours: 150 }),
      record('volunteering', 'social-contribution', '2026-07-01', { hours: 95 }),
      record('volunteering', 'social-contribution', '2025-07-01', { hours: 35 }),
      record('administrative-penalty', 'administrative', '2026-06-01'),
    ];
    const result = evaluate(model, catalogue, records, '2026-11-25');
    expect(result.base + Object.values(result.categories).reduce((a, b) => a + b, 0)).toBe(result.score);
    // Honours 90 capped to 60; volunteering 2026: 15 + 9 = 24 capped to 20, 2025: 3; penalty -30.
    expect(result.categories).toEqual({ honours: 60, 'social-contribution': 23, administrative: -30 });
    expect(result.score).toBe(1053);
    expect(result.level).toBe('AAA');
    expect(result.caps).toEqual(
      expect.arrayContaining([
        { kind: 'yearly', subject: 'volunteering/2026', before: 24, after: 20 },
        { kind: 'category', subject: 'honours', before: 90, after: 60 },
      ]),
    );
    expect(result.lines).toHaveLength(7);
  });

  it('stops counting a record when its period ends, and keeps a listing while it stays active', () => {
    const records = [record('administrative-penalty', 'administrative', '2025-11-25'), record('court-dishonest-debtor', 'law-abiding', '2019-01-01')];
    expect(evaluate(model, catalogue, records, '2026-11-24').score).toBe(820);
    expect(evaluate(model, catalogue, records, '2026-11-25').score).toBe(850);
    expect(evaluate(model, catalogue, records, '2026-11-25').level).toBe('B');
  });

  it('keeps counting a record past its period when the agency kept it under its sector rules (Order 36), with no end', () => {
    const kept = { ...record('administrative-penalty', 'administrative', '2025-11-25'), keptCounting: true };
    const evaluation = evaluate(model, catalogue, [kept], '2027-06-01');
    expect(evaluation.score).toBe(970);
    expect(evaluation.lines).toMatchObject([{ typeCode: 'administrative-penalty', countsUntil: null }]);
  });

  it('does not count revoked records, records formed after the day, or types the model has no rule for', () => {
    const records = [
      record('administrative-penalty', 'administrative', '2026-06-01', {}, 'revoked'),
      record('administrative-penalty', 'administrative', '2026-12-01'),
      record('loan-overdue', 'market', '2026-06-01'),
    ];
    expect(evaluate(model, catalogue, records, '2026-11-25')).toMatchObject({ score: 1000, lines: [] });
  });
});

describe('Art. 4 the tier belongs to the record (Guobanfa [2025] 22)', () => {
  it("counts a record's points and period by its own tier, and its type's default without one", () => {
    const minor = record('administrative-penalty', 'administrative', '2026-09-01', {}, 'active', 'minor');
    const serious = record('administrative-penalty', 'administrative', '2026-09-01', {}, 'active', 'serious');
    const untiered = record('administrative-penalty', 'administrative', '2026-09-01', {}, 'active', null);
    expect(evaluate(model, catalogue, [minor], '2026-11-30').lines).toMatchObject([{ points: -10, countsUntil: '2026-12-01' }]);
    expect(evaluate(model, catalogue, [minor], '2026-12-01').lines).toEqual([]);
    expect(evaluate(model, catalogue, [serious], '2026-12-01').lines).toMatchObject([{ points: -120, countsUntil: '2029-09-01' }]);
    expect(evaluate(model, catalogue, [untiered], '2026-12-01').lines).toMatchObject([{ points: -30, countsUntil: '2027-09-01' }]);
  });

  it('counts a conviction until the day its sentence was served is known, and 5 years after it', () => {
    const unknown = record('criminal-conviction', 'law-abiding', '2015-03-01');
    expect(evaluate(model, catalogue, [unknown], '2026-12-01').lines).toMatchObject([{ points: -200, countsUntil: null }]);
    const served = record('criminal-conviction', 'law-abiding', '2015-03-01', { sentenceServedOn: '2022-06-30' });
    expect(evaluate(model, catalogue, [served], '2027-06-29').lines).toMatchObject([{ countsUntil: '2027-06-30' }]);
    expect(evaluate(model, catalogue, [served], '2027-06-30').lines).toEqual([]);
  });
});

describe('Art. 13 indicator models are data with a checked shape', () => {
  it("asks a rule of a type classified in several tiers for each further tier's points, and refuses a tier the type lacks or an override of the tiers' periods", () => {
    const types = new Map([
      ['administrative-penalty', { details: [], severity: 'general' as const, tiers: { minor: 3, general: 12, serious: 36 } }],
      ['market-ban', { details: [], severity: 'serious' as const, tiers: { serious: 36 } }],
    ]);
    const rules = (rule: Record<string, unknown>) => ({ rules: { 'administrative-penalty': { points: -30, ...rule } } }) as Pick<ModelDefinition, 'rules'>;
    expect(modelCatalogueProblem(types, rules({ tierPoints: { minor: -10, serious: -120 } }))).toBeUndefined();
    expect(modelCatalogueProblem(types, rules({ tierPoints: { minor: -10 } }))).toMatchObject({ field: 'definition.rules.administrative-penalty.tierPoints', message: expect.stringContaining('serious missing') });
    expect(modelCatalogueProblem(types, rules({ tierPoints: { minor: -10, serious: -120, general: -40 } }))).toMatchObject({ field: 'definition.rules.administrative-penalty.tierPoints.general' });
    expect(modelCatalogueProblem(types, rules({ tierPoints: { minor: -10, serious: -120 }, countsForMonths: 6 }))).toMatchObject({ field: 'definition.rules.administrative-penalty.countsForMonths' });
    expect(modelCatalogueProblem(types, { rules: { 'market-ban': { points: -120, tierPoints: { minor: -10 } } } })).toMatchObject({ field: 'definition.rules.market-ban.tierPoints.minor' });
    expect(modelCatalogueProblem(types, { rules: { 'market-ban': { points: -120, countsForMonths: 24 } } })).toBeUndefined();
  });

  it('refuses levels that do not end with a level without minimum', () => {
    const parsed = modelDefinitionSchema.safeParse({ ...model, levels: [{ level: 'A', min: 900 }] });
    expect(parsed.success).toBe(false);
  });
});
