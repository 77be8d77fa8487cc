import { describe, expect, it } from 'vitest';
import { BENEFIT_KINDS, incentiveConditionSchema, incentiveDefinitionSchema, qualifies, type IncentiveDefinition, type IncentiveFacts } from '../../src/domain/incentive';

const LEVELS = ['AAA', 'AA', 'A', 'B', 'C', 'D'];

const deposits: IncentiveDefinition = {
  name: 'Public bicycles without deposit',
  benefitKind: 'deposit-free',
  benefit: 'No deposit for public bicycles',
  conditions: [
    { kind: 'level-at-least', scenario: 'base', level: 'AA' },
    { kind: 'no-record-of-tier', tier: 'serious', withinMonths: 12 },
  ],
  validFrom: '2026-01-01',
  validUntil: '2027-12-31',
};

function facts(level: string, records: IncentiveFacts['records'] = []): IncentiveFacts {
  return { levels: new Map([['base', { level, order: LEVELS }]]), records };
}

describe('Art. 12 incentives serve incentives only: rules are positive', () => {
  it('has no condition that takes something away, and no benefit that is a restriction', () => {
    expect(incentiveConditionSchema.options.map((option) => option.shape.kind.value)).toEqual(['level-at-least', 'no-record-of-tier', 'positive-record']);
    expect(BENEFIT_KINDS).toEqual(['discount', 'fee-waiver', 'deposit-free', 'priority', 'fast-track', 'credit-line', 'recognition']);
    const refused = [
      { ...deposits, conditions: [{ kind: 'level-below', scenario: 'base', level: 'C' }] },
      { ...deposits, conditions: [{ kind: 'has-record-of-tier', tier: 'serious', withinMonths: 12 }] },
      { ...deposits, benefitKind: 'denial' },
      { ...deposits, benefitKind: 'restriction' },
      { ...deposits, deny: ['public-housing'] },
      { ...deposits, conditions: [] },
      { ...deposits, validUntil: '2025-12-31' },
    ];
    for (const definition of refused) expect(incentiveDefinitionSchema.safeParse(definition).success, JSON.stringify(definition)).toBe(false);
    expect(incentiveDefinitionSchema.safeParse(deposits).success).toBe(true);
  });

  it('qualifies a person on every condition together, within the validity', () => {
    expect(qualifies(deposits, facts('AAA'), '2026-12-02')).toBe(true);
    expect(qualifies(deposits, facts('AA'), '2026-12-02')).toBe(true);
    expect(qualifies(deposits, facts('A'), '2026-12-02')).toBe(false);
    expect(qualifies(deposits, { levels: new Map(), records: [] }, '2026-12-02')).toBe(false);
    const serious = (formedOn: string, countsUntil: string | null = null) => ({ polarity: 'negative', severity: 'serious' as const, category: 'administrative', formedOn, countsUntil });
    expect(qualifies(deposits, facts('AA', [serious('2026-06-01')]), '2026-12-02')).toBe(false);
    expect(qualifies(deposits, facts('AA', [serious('2025-12-01')]), '2026-12-02')).toBe(true);
    // A general record is not of the serious tier; a rule on the general tier counts serious ones too.
    const general = { polarity: 'negative', severity: 'general' as const, category: 'administrative', formedOn: '2026-10-01', countsUntil: null };
    expect(qualifies(deposits, facts('AA', [general]), '2026-12-02')).toBe(true);
    const clearOfGeneral = { ...deposits, conditions: [{ kind: 'no-record-of-tier' as const, tier: 'general' as const, withinMonths: 12 }] };
    expect(qualifies(clearOfGeneral, facts('D', [serious('2026-06-01')]), '2026-12-02')).toBe(false);
    // A record whose counting period has ended counts for nothing, in a rule as in the score.
    expect(qualifies(deposits, facts('AA', [serious('2026-06-01', '2026-12-01')]), '2026-12-02')).toBe(true);
    expect(qualifies(deposits, facts('AA', [serious('2026-06-01', '2026-12-03')]), '2026-12-02')).toBe(false);
    expect(qualifies(deposits, facts('AAA'), '2028-01-01')).toBe(false);
    expect(qualifies(deposits, facts('AAA'), '2025-12-31')).toBe(false);
    const volunteers = { ...deposits, conditions: [{ kind: 'positive-record' as const, category: 'social-contribution' as const, withinMonths: 24 }] };
    expect(qualifies(volunteers, facts('C', [{ polarity: 'positive', severity: null, category: 'social-contribution', formedOn: '2025-01-10', countsUntil: null }]), '2026-12-02')).toBe(true);
    expect(qualifies(volunteers, facts('C', [{ polarity: 'positive', severity: null, category: 'social-contribution', formedOn: '2024-11-30', countsUntil: null }]), '2026-12-02')).toBe(false);
  });
});
