import type { RecordStatus, Severity } from './record';
import { countingEndsOn, countingMonths, type RecordType } from './record-types';
import { levelOf, type ModelDefinition } from './score-model';
import type { LocalDate } from './working-days';

/** What the evaluator needs of a record. */
export interface ScoredRecord {
  id: string;
  typeCode: string;
  category: string;
  formedOn: LocalDate;
  status: RecordStatus;
  /** The tier of a negative record (Guobanfa [2025] 22); null for other information. */
  tier: Severity | null;
  details: Record<string, unknown>;
  /** The agency kept it under its sector rules past its maximum period (Order 36): it counts until revoked or repaired. */
  keptCounting?: boolean;
}

/** How long each type counts by the catalogue, by tier, and from which day (e.g. the court's list: while active). */
export type CatalogueCounting = ReadonlyMap<string, Pick<RecordType, 'severity' | 'countsForMonths' | 'tiers' | 'countsFrom'>>;

export interface BreakdownLine {
  recordId: string;
  typeCode: string;
  category: string;
  formedOn: LocalDate;
  /** Points of the record before any cap. */
  points: number;
  countsUntil: LocalDate | null;
}

export interface CapApplied {
  kind: 'yearly' | 'category';
  /** `typeCode/year` for a yearly cap, the category for a category cap. */
  subject: string;
  before: number;
  after: number;
}

export interface Evaluation {
  score: number;
  level: string;
  base: number;
  lines: BreakdownLine[];
  caps: CapApplied[];
  categories: Record<string, number>;
}

/** Keeps the sign, limits the size: a cap of 60 turns +75 into +60 and -75 into -60. */
export function capped(points: number, cap: number | undefined): number {
  return cap === undefined ? points : Math.sign(points) * Math.min(Math.abs(points), cap);
}

/** A detail read as a number the way the SQL path reads it: a JSON number, or a plain decimal string. */
function unitsOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(value)) return Number(value);
  return 0;
}

/**
 * The most points one record moves a score by, either way: far beyond any cap, it keeps a record
 * counted per unit of an absurd detail (a trillion volunteer hours) within what a score can hold,
 * in the SQL path (an integer) as here.
 */
export const MOST_POINTS_OF_A_RECORD = 1_000_000;

/** A record's points under its rule: those of its tier where the rule gives them, else the rule's. */
function recordPoints(rule: ModelDefinition['rules'][string], record: ScoredRecord, tier: Severity | null): number {
  const points = (tier !== null ? rule.tierPoints?.[tier] : undefined) ?? rule.points;
  if (!rule.perUnit) return points;
  const perUnit = Math.floor(unitsOf(record.details[rule.perUnit.field]) / rule.perUnit.size) * points;
  return Math.max(-MOST_POINTS_OF_A_RECORD, Math.min(MOST_POINTS_OF_A_RECORD, perUnit));
}

/**
 * The pure evaluation of one person's score on a day (Art. 4): explains every point. The
 * set-based SQL in src/db/scores.ts computes the same for many persons at once; a property test
 * holds the two to the same result.
 */
export function evaluate(model: ModelDefinition, catalogue: CatalogueCounting, records: readonly ScoredRecord[], onDay: LocalDate): Evaluation {
  const lines: BreakdownLine[] = [];
  for (const record of records) {
    const rule = model.rules[record.typeCode];
    const type = catalogue.get(record.typeCode);
    if (!rule || !type || record.status !== 'active' || record.formedOn > onDay) continue;
    // A tier its type no longer allows has no counting period: it does not count (as in SQL); a
    // negative record an older release stored without a tier has its type's default.
    const tier = record.tier ?? type.severity;
    if (tier !== null && type.tiers[tier] === undefined) continue;
    const months = rule.countsForMonths !== undefined ? rule.countsForMonths : countingMonths(type, tier);
    const countsUntil = countingEndsOn(type, months, record);
    if (countsUntil !== null && countsUntil <= onDay) continue;
    lines.push({ recordId: record.id, typeCode: record.typeCode, category: record.category, formedOn: record.formedOn, points: recordPoints(rule, record, tier), countsUntil });
  }

  const caps: CapApplied[] = [];
  const byTypeYear = new Map<string, { category: string; typeCode: string; points: number }>();
  for (const line of lines) {
    const key = `${line.typeCode}/${line.formedOn.slice(0, 4)}`;
    const entry = byTypeYear.get(key) ?? { category: line.category, typeCode: line.typeCode, points: 0 };
    entry.points += line.points;
    byTypeYear.set(key, entry);
  }
  const categories: Record<string, number> = {};
  for (const [key, entry] of byTypeYear) {
    const cap = model.rules[entry.typeCode]!.yearlyCap;
    const after = capped(entry.points, cap);
    if (after !== entry.points) caps.push({ kind: 'yearly', subject: key, before: entry.points, after });
    categories[entry.category] = (categories[entry.category] ?? 0) + after;
  }
  for (const [category, points] of Object.entries(categories)) {
    const after = capped(points, model.categoryCaps[category as keyof typeof model.categoryCaps]);
    if (after !== points) caps.push({ kind: 'category', subject: category, before: points, after });
    categories[category] = after;
  }
  const score = model.baseScore + Object.values(categories).reduce((sum, points) => sum + points, 0);
  return { score, level: levelOf(score, model.levels), base: model.baseScore, lines, caps, categories };
}
