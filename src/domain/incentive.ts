import { z } from 'zod';
import { calendarDateSchema } from './input';
import { CATEGORIES, SEVERITIES, type Severity } from './record';
import { addCalendarMonths, type LocalDate } from './working-days';

/**
 * Incentives (Art. 12, 16, 17): the score serves incentives only, and never restricts a basic
 * public service or a statutory right. So an incentive grants a benefit and its rule can only say
 * who qualifies for it: every condition is something a person has achieved or kept clear of, and
 * not qualifying means not getting that benefit, nothing more. There is no way to write a
 * condition that takes something away.
 */

/** What an incentive gives: all of them are advantages on top of what everyone has. */
export const BENEFIT_KINDS = ['discount', 'fee-waiver', 'deposit-free', 'priority', 'fast-track', 'credit-line', 'recognition'] as const;

const monthsBack = z.number().int().min(1).max(120);

/** One condition a person meets to qualify: all are positive (achieved, or clear of). */
export const incentiveConditionSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('level-at-least'),
    scenario: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/),
    level: z.string().min(1).max(10),
  }),
  z.strictObject({
    kind: z.literal('no-record-of-tier'),
    /** Clear of negative records of this tier or worse formed within the months. */
    tier: z.enum(SEVERITIES),
    withinMonths: monthsBack,
  }),
  z.strictObject({
    kind: z.literal('positive-record'),
    category: z.enum(CATEGORIES),
    withinMonths: monthsBack,
  }),
]);
export type IncentiveCondition = z.infer<typeof incentiveConditionSchema>;

export const incentiveDefinitionSchema = z
  .strictObject({
    name: z.string().min(2).max(200),
    benefitKind: z.enum(BENEFIT_KINDS),
    benefit: z.string().min(2).max(1000).describe('what the person gets, e.g. "no deposit for public bicycles"'),
    /** Every condition must hold. */
    conditions: z.array(incentiveConditionSchema).min(1).max(10),
    validFrom: calendarDateSchema,
    validUntil: calendarDateSchema.nullable(),
  })
  .refine((incentive) => incentive.validUntil === null || incentive.validUntil > incentive.validFrom, { message: 'must be after validFrom', path: ['validUntil'] });
export type IncentiveDefinition = z.infer<typeof incentiveDefinitionSchema>;

/**
 * What the rule looks at of a person: their current levels and the records their score counts
 * (public information their model scores, active, of their adulthood), each with the day its
 * counting period ends (null: it counts for ever); nothing expired, repaired or of the market.
 */
export interface IncentiveFacts {
  /** Per scenario, the current level and the scenario's levels from the highest. */
  levels: ReadonlyMap<string, { level: string; order: readonly string[] }>;
  records: readonly { polarity: string; severity: Severity | null; category: string; formedOn: LocalDate; countsUntil: LocalDate | null }[];
}

const TIER_RANK: Record<Severity, number> = { minor: 0, general: 1, serious: 2 };

function holds(condition: IncentiveCondition, facts: IncentiveFacts, today: LocalDate): boolean {
  const counting = facts.records.filter((record) => record.formedOn <= today && (record.countsUntil === null || record.countsUntil > today));
  switch (condition.kind) {
    case 'level-at-least': {
      const current = facts.levels.get(condition.scenario);
      if (!current) return false;
      const wanted = current.order.indexOf(condition.level);
      return wanted >= 0 && current.order.indexOf(current.level) <= wanted;
    }
    case 'no-record-of-tier': {
      const since = addCalendarMonths(today, -condition.withinMonths);
      return !counting.some(
        (record) => record.polarity === 'negative' && record.severity !== null && TIER_RANK[record.severity] >= TIER_RANK[condition.tier] && record.formedOn >= since,
      );
    }
    case 'positive-record': {
      const since = addCalendarMonths(today, -condition.withinMonths);
      return counting.some((record) => record.polarity === 'positive' && record.category === condition.category && record.formedOn >= since);
    }
  }
}

/** Whether a person qualifies for an incentive on a day: within its validity, every condition holding. */
export function qualifies(incentive: IncentiveDefinition, facts: IncentiveFacts, today: LocalDate): boolean {
  if (today < incentive.validFrom || (incentive.validUntil !== null && today > incentive.validUntil)) return false;
  return incentive.conditions.every((condition) => holds(condition, facts, today));
}
