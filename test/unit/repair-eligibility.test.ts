import { describe, expect, it } from 'vitest';
import { repairEligibility, repairRulesSchema, type RepairableRecord } from '../../src/domain/repair';
import { addCalendarMonths } from '../../src/domain/working-days';

// The shape of the default rules (migration 1764900000000): Order 36's periods, the Jinan routes.
const rules = repairRulesSchema.parse({
  commitment: { version: '2026-04', text: '本人承诺……' },
  minimumMonths: { minor: 0, general: 3, serious: 12 },
  routes: {
    performance: { tiers: ['minor', 'general', 'serious'] },
    deferral: { tiers: ['minor', 'general', 'serious'], maxInstalments: 12 },
    volunteering: { unit: 'hours', tiers: { minor: { threshold: 10, windowDays: 90 }, general: { threshold: 20, windowDays: 90 } } },
    donation: { unit: 'yuan', tiers: { minor: { threshold: 500, windowDays: 90 }, general: { threshold: 1000, windowDays: 90 } } },
    'civilised-practice': { unit: 'events', tiers: { minor: { threshold: 2, windowDays: 90 }, general: { threshold: 4, windowDays: 90 } } },
  },
  clocks: { platformWorkingDays: 10, agencyWorkingDays: 3, confirmationWorkingDays: 5 },
});

const penalty: RepairableRecord = {
  status: 'active',
  formedOn: '2026-03-15',
  tier: null,
  details: {},
  type: {
    code: 'administrative-penalty', polarity: 'negative', severity: 'general', repairable: true, countsForMonths: 12, tiers: { minor: 3, general: 12, serious: 36 },
    countsFrom: null, legalBasis: '中华人民共和国行政处罚法',
  },
};

describe('Art. 21 repair eligibility (Order 36)', () => {
  it('counts the minimum period from the day the record was formed, and names the day one may apply', () => {
    expect(repairEligibility(rules, penalty, '2026-06-14')).toEqual({
      eligible: false,
      rule: 'minimum-period',
      message: expect.stringContaining('from 2026-06-15'),
      eligibleFrom: '2026-06-15',
    });
    const open = repairEligibility(rules, penalty, '2026-06-15');
    expect(open).toMatchObject({ eligible: true, tier: 'general', maximumEndsOn: '2027-03-15' });
    expect(open.eligible && open.routes.map((r) => r.route)).toEqual(['performance', 'deferral', 'volunteering', 'donation', 'civilised-practice']);
    expect(open.eligible && open.routes.find((r) => r.route === 'volunteering')).toEqual({ route: 'volunteering', unit: 'hours', threshold: 20, windowDays: 90 });
  });

  it('lets a minor record be repaired at once, and a serious one after a year by performance or deferral only', () => {
    const minor = { ...penalty, type: { ...penalty.type, code: 'fee-refusal', severity: 'minor' as const, countsForMonths: 3, tiers: { minor: 3 } } };
    expect(repairEligibility(rules, minor, '2026-03-15')).toMatchObject({ eligible: true, tier: 'minor' });
    const serious = { ...penalty, type: { ...penalty.type, code: 'market-ban', severity: 'serious' as const, countsForMonths: 36, tiers: { serious: 36 } } };
    expect(repairEligibility(rules, serious, '2027-03-14')).toMatchObject({ eligible: false, rule: 'minimum-period', eligibleFrom: '2027-03-15' });
    const open = repairEligibility(rules, serious, '2027-03-15');
    expect(open.eligible && open.routes.map((r) => r.route)).toEqual(['performance', 'deferral']);
  });

  it('refuses a type the measures leave unrepairable, citing its legal basis; positive information; a record no longer counting', () => {
    const conviction = { ...penalty, type: { ...penalty.type, code: 'criminal-conviction', severity: 'serious' as const, repairable: false, legalBasis: '中华人民共和国刑法' } };
    expect(repairEligibility(rules, conviction, '2030-01-01')).toEqual({ eligible: false, rule: 'not-repairable', message: expect.stringContaining('中华人民共和国刑法') });
    const honour = { ...penalty, type: { ...penalty.type, code: 'honour-municipal', polarity: 'positive' as const, severity: null, tiers: {}, legalBasis: null } };
    expect(repairEligibility(rules, honour, '2027-01-01')).toMatchObject({ eligible: false, rule: 'not-negative' });
    expect(repairEligibility(rules, { ...penalty, status: 'repaired' }, '2026-07-01')).toMatchObject({ eligible: false, rule: 'record-not-counting' });
    expect(repairEligibility(rules, penalty, addCalendarMonths(penalty.formedOn, 12))).toMatchObject({ eligible: false, rule: 'maximum-period-ended' });
    // Kept counting by the agency's sector rules (Order 36), it ends no more by itself and may still be repaired.
    expect(repairEligibility(rules, { ...penalty, keptCounting: true }, addCalendarMonths(penalty.formedOn, 12))).toMatchObject({ eligible: true, maximumEndsOn: null });
  });

  it('keeps a listing without a maximum period open to repair (the court list)', () => {
    const listed = { ...penalty, type: { ...penalty.type, code: 'court-dishonest-debtor', severity: 'serious' as const, countsForMonths: null, tiers: { serious: null } } };
    expect(repairEligibility(rules, listed, '2030-01-01')).toMatchObject({ eligible: true, maximumEndsOn: null });
  });

  it("follows the record's own tier: its minimum period, maximum period and routes (Guobanfa [2025] 22)", () => {
    const minor = { ...penalty, tier: 'minor' as const };
    expect(repairEligibility(rules, minor, '2026-03-15')).toMatchObject({ eligible: true, tier: 'minor', maximumEndsOn: '2026-06-15' });
    expect(repairEligibility(rules, minor, '2026-06-15')).toMatchObject({ eligible: false, rule: 'maximum-period-ended' });
    const serious = { ...penalty, tier: 'serious' as const };
    expect(repairEligibility(rules, serious, '2026-06-15')).toMatchObject({ eligible: false, rule: 'minimum-period', eligibleFrom: '2027-03-15' });
    const open = repairEligibility(rules, serious, '2027-03-15');
    expect(open).toMatchObject({ eligible: true, tier: 'serious', maximumEndsOn: '2029-03-15' });
    expect(open.eligible && open.routes.map((r) => r.route)).toEqual(['performance', 'deferral']);
    // A tier its type no longer allows counts in no score: nothing to repair.
    expect(repairEligibility(rules, { ...penalty, type: { ...penalty.type, tiers: { general: 12 } }, tier: 'minor' }, '2027-03-15')).toMatchObject({ eligible: false, rule: 'record-not-counting' });
  });
});
