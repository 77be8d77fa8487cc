import type { RecordStatus } from './record';
import { levelOf, type ModelDefinition } from './score-model';
import { addCalendarMonths, type LocalDate } from './working-days';

/** What the evaluator needs of a record. */
export interface ScoredRecord {
  id: string;
  typeCode: string;
  category: string;
  formedOn: LocalDate;
  status: RecordStatus;
  details: Record<string, unknown>;
  /** The agency kept it under its sector rules past its maximum period (Order 36): it counts until revoked or repaired. */
  keptCounting?: boolean;
}

/** How long a type counts by the catalogue, in months; null while active (e.g. the court's list). */
export type CatalogueCounting = ReadonlyMap<string, number | null>;

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

function recordPoints(rule: ModelDefinition['rules'][string], details: Record<string, unknown>): number {
  if (!rule.perUnit) return rule.points;
  return Math.floor(unitsOf(details[rule.perUnit.field]) / rule.perUnit.size) * rule.points;
}

/**
 * The pure evaluation of one person's score on a day (Art. 4): explains every point. The
 * set-based SQL in src/db/scoring.ts computes the same for many persons at once; a property test
 * holds the two to the same result.
 */
export function evaluate(model: ModelDefinition, catalogue: CatalogueCounting, records: readonly ScoredRecord[], onDay: LocalDate): Evaluation {
  const lines: BreakdownLine[] = [];
  for (const record of records) {
    const rule = model.rules[record.typeCode];
    if (!rule || record.status !== 'active' || record.formedOn > onDay) continue;
    const months = rule.countsForMonths !== undefined ? rule.countsForMonths : (catalogue.get(record.typeCode) ?? null);
    const countsUntil = months === null || record.keptCounting ? null : addCalendarMonths(record.formedOn, months);
    if (countsUntil !== null && countsUntil <= onDay) continue;
    lines.push({ recordId: record.id, typeCode: record.typeCode, category: record.category, formedOn: record.formedOn, points: recordPoints(rule, record.details), countsUntil });
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
