import { z } from 'zod';
import { SEVERITIES, type Severity } from './record';
import { countingEndsOn, countingMonths, type RecordType } from './record-types';
import { addCalendarMonths, addDays, type LocalDate } from './working-days';

/**
 * Credit repair (Art. 21; NDRC Order No. 36, in force 2026-04-01): the conditions are data in
 * `repair_rules`, versioned, so NDRC replaces them without a release (DOMAIN.md "Credit repair").
 */

/** The routes of Art. 21: subsequent performance, deferral, civilised practice, volunteering, donation. */
export const REPAIR_ROUTES = ['performance', 'deferral', 'volunteering', 'donation', 'civilised-practice'] as const;
export type RepairRoute = (typeof REPAIR_ROUTES)[number];

/** The routes fed by the civilised-behaviour database rather than decided by the agency. */
export const CIVIC_ROUTES = ['volunteering', 'donation', 'civilised-practice'] as const satisfies readonly RepairRoute[];
export type CivicRoute = (typeof CIVIC_ROUTES)[number];

export function isCivicRoute(route: RepairRoute): route is CivicRoute {
  return (CIVIC_ROUTES as readonly string[]).includes(route);
}

/**
 * How long an applicant has to supply what the completeness check found missing, unless the rules
 * say otherwise (DOMAIN.md, ours): also the time of a repair filed under rules that did not say.
 */
export const SUPPLEMENT_DAYS = 15;

const tiers = z.array(z.enum(SEVERITIES));
const civicTerms = z.strictObject({
  /** What the route counts: volunteer hours, yuan donated, civilised-practice events. */
  threshold: z.number().positive(),
  /** Calendar days from the filing within which the threshold must be reached. */
  windowDays: z.number().int().positive(),
});

export const repairRulesSchema = z.strictObject({
  /** The credit commitment the applicant signs (Order 36): the materials are true, and breaking it has consequences. */
  commitment: z.strictObject({ version: z.string().min(1).max(40), text: z.string().min(1) }),
  /** Months from the record's formation (the finding) before one may apply, by tier. */
  minimumMonths: z.strictObject({ minor: z.number().int().min(0), general: z.number().int().min(0), serious: z.number().int().min(0) }),
  routes: z.strictObject({
    performance: z.strictObject({ tiers }),
    deferral: z.strictObject({ tiers, maxInstalments: z.number().int().min(1).max(24) }),
    volunteering: z.strictObject({ unit: z.literal('hours'), tiers: z.partialRecord(z.enum(SEVERITIES), civicTerms) }),
    donation: z.strictObject({ unit: z.literal('yuan'), tiers: z.partialRecord(z.enum(SEVERITIES), civicTerms) }),
    'civilised-practice': z.strictObject({ unit: z.literal('events'), tiers: z.partialRecord(z.enum(SEVERITIES), civicTerms) }),
  }),
  clocks: z.strictObject({
    /** The platform's result to the applicant, from a complete application. */
    platformWorkingDays: z.number().int().positive(),
    /** The deciding agency's decision, from receiving the forwarded application. */
    agencyWorkingDays: z.number().int().positive(),
    /** An agency's confirmation of evidence (performance, a deferral's grant, an instalment). */
    confirmationWorkingDays: z.number().int().positive(),
    /** The applicant's time to supply what NDRC found missing, in calendar days from its request. */
    supplementDays: z.number().int().positive().default(SUPPLEMENT_DAYS),
  }),
});
export type RepairRules = z.infer<typeof repairRulesSchema>;

/** What a route asks for a record of its tier: the agency's confirmation, or a threshold within a window. */
export type RouteTerms =
  | { route: 'performance' }
  | { route: 'deferral'; maxInstalments: number }
  | { route: CivicRoute; unit: 'hours' | 'yuan' | 'events'; threshold: number; windowDays: number };

/** The routes open to a tier, with their terms. */
export function routesFor(rules: RepairRules, tier: Severity): RouteTerms[] {
  const open: RouteTerms[] = [];
  if (rules.routes.performance.tiers.includes(tier)) open.push({ route: 'performance' });
  if (rules.routes.deferral.tiers.includes(tier)) open.push({ route: 'deferral', maxInstalments: rules.routes.deferral.maxInstalments });
  for (const route of CIVIC_ROUTES) {
    const terms = rules.routes[route].tiers[tier];
    if (terms) open.push({ route, unit: rules.routes[route].unit, ...terms });
  }
  return open;
}

/** What eligibility looks at of a record and its type. */
export interface RepairableRecord {
  status: string;
  formedOn: LocalDate;
  /** Its tier as its agency classified it (Guobanfa [2025] 22); null for a record stored before tiers were per record. */
  tier: Severity | null;
  details: Record<string, unknown>;
  /** Kept counting past its maximum period by the agency's sector rules: it no longer ends by itself, and may still be repaired. */
  keptCounting?: boolean;
  type: Pick<RecordType, 'code' | 'polarity' | 'severity' | 'repairable' | 'countsForMonths' | 'tiers' | 'countsFrom' | 'legalBasis'>;
}

/** The rule that refused an application: a machine-readable name a page translates. */
export type EligibilityRule = 'record-not-counting' | 'not-negative' | 'not-repairable' | 'maximum-period-ended' | 'minimum-period';

export type Eligibility =
  | { eligible: true; tier: Severity; routes: RouteTerms[]; maximumEndsOn: LocalDate | null }
  | { eligible: false; rule: EligibilityRule; message: string; eligibleFrom?: LocalDate };

/**
 * Whether a person may apply to repair a record on a day, and by which routes (Order 36, DOMAIN.md):
 * a negative record of a repairable type, still counting, whose minimum period counted from its
 * formation (the finding) has been served. A refusal for time says from which day one may apply.
 */
export function repairEligibility(rules: RepairRules, record: RepairableRecord, today: LocalDate): Eligibility {
  const { type } = record;
  if (record.status !== 'active') return { eligible: false, rule: 'record-not-counting', message: `The record is ${record.status}: it no longer counts` };
  if (type.polarity !== 'negative' || !type.severity) return { eligible: false, rule: 'not-negative', message: `${type.code} is not negative information: there is nothing to repair` };
  if (!type.repairable) {
    return { eligible: false, rule: 'not-repairable', message: `${type.code} cannot be repaired under the repair measures${type.legalBasis ? ` (${type.legalBasis})` : ''}` };
  }
  // The tier sets the maximum period, the minimum period and the routes (Guobanfa [2025] 22).
  const tier = record.tier ?? type.severity;
  if (type.tiers[tier] === undefined) {
    return { eligible: false, rule: 'record-not-counting', message: `${type.code} is no longer classified ${tier}: the record counts in no score` };
  }
  const maximumEndsOn = countingEndsOn(type, countingMonths(type, tier), record);
  if (maximumEndsOn !== null && maximumEndsOn <= today) {
    return { eligible: false, rule: 'maximum-period-ended', message: `The record stopped counting on ${maximumEndsOn}, at the end of its maximum period` };
  }
  const eligibleFrom = addCalendarMonths(record.formedOn, rules.minimumMonths[tier]);
  if (eligibleFrom > today) {
    return {
      eligible: false,
      rule: 'minimum-period',
      message: `A ${tier} record may be repaired ${rules.minimumMonths[tier]} months after it was formed on ${record.formedOn}: from ${eligibleFrom}`,
      eligibleFrom,
    };
  }
  return { eligible: true, tier, routes: routesFor(rules, tier), maximumEndsOn };
}

/** The first day after a civic route's window, which runs from the filing for its number of days. */
export function windowEnd(filedOn: LocalDate, terms: RouteTerms): LocalDate | null {
  return 'windowDays' in terms ? addDays(filedOn, terms.windowDays) : null;
}
