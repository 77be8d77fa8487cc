import { z } from 'zod';
import { isCountableDay } from './input';
import { CATEGORIES, POLARITIES, SEVERITIES, type Severity } from './record';
import { addCalendarMonths, type LocalDate } from './working-days';

/**
 * The record-type catalogue (Art. 8, 9): data in `record_types`, so NDRC extends it without a
 * release. Each type lists the `details` a record of it carries, and nothing else is taken: a
 * misspelt field (say, an exclusion flag of Art. 9(5)) is refused, not silently stored.
 */
export const DETAIL_KINDS = ['text', 'number', 'integer', 'boolean', 'date', 'choice'] as const;

export const detailFieldSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,40}$/),
  kind: z.enum(DETAIL_KINDS),
  required: z.boolean(),
  /** The values a `choice` takes. */
  choices: z.array(z.string()).min(1).optional(),
  /** The least value of a `number` or `integer`. */
  min: z.number().optional(),
  description: z.string(),
});
export type DetailField = z.infer<typeof detailFieldSchema>;

export const recordTypeSchema = z.strictObject({
  code: z.string(),
  category: z.enum(CATEGORIES),
  polarity: z.enum(POLARITIES),
  /** The default tier of a negative type: its records' tier when the sharing agency names none. */
  severity: z.enum(SEVERITIES).nullable(),
  /** How long a record counts from its formation, in months; null while it stays active (a listing). */
  countsForMonths: z.number().int().nullable(),
  /**
   * The tiers a negative record of this type may be classified in (Guobanfa [2025] 22), each with
   * its counting period in months (null: while it stays active); none for other types.
   */
  tiers: z.partialRecord(z.enum(SEVERITIES), z.number().int().positive().nullable()),
  /** The detail naming the day counting starts, when not the formation (a conviction: the sentence served). */
  countsFrom: z.string().nullable(),
  repairable: z.boolean(),
  /** The law, regulation or central document a negative type rests on (Guobanfa [2020] No. 49). */
  legalBasis: z.string().nullable(),
  description: z.string(),
  details: z.array(detailFieldSchema),
});
export type RecordType = z.infer<typeof recordTypeSchema>;

function kindProblem(field: DetailField, value: unknown): string | undefined {
  switch (field.kind) {
    case 'text':
      return typeof value === 'string' ? undefined : 'must be text';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'date':
      return typeof value === 'string' && isCountableDay(value) ? undefined : 'must be a calendar date YYYY-MM-DD';
    case 'choice':
      return typeof value === 'string' && field.choices!.includes(value) ? undefined : `must be one of ${field.choices!.join(', ')}`;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (field.kind === 'integer' && !Number.isInteger(value))) return `must be ${field.kind === 'integer' ? 'a whole number' : 'a number'}`;
      return field.min !== undefined && value < field.min ? `must be at least ${field.min}` : undefined;
  }
}

/** The first of a record's details that its type does not take, lacks or has wrong, as the field and a sentence. */
export function detailsProblem(type: Pick<RecordType, 'code' | 'details'>, details: Record<string, unknown>): { field: string; message: string } | undefined {
  for (const name in details) {
    if (!type.details.some((field) => field.name === name)) {
      const known = type.details.map((field) => field.name).join(', ');
      return { field: `details.${name}`, message: `is not a detail of ${type.code} (${known ? `its details: ${known}` : 'it has none'})` };
    }
  }
  for (const field of type.details) {
    const value = details[field.name];
    if (value === undefined || value === null) {
      if (field.required) return { field: `details.${field.name}`, message: `is required for ${type.code}: ${field.description}` };
      continue;
    }
    const problem = kindProblem(field, value);
    if (problem) return { field: `details.${field.name}`, message: problem };
  }
  return undefined;
}

/** What the catalogue checks of a record's type. */
export type CatalogueEntry = Pick<RecordType, 'code' | 'category' | 'details' | 'tiers'>;

/**
 * Why a record does not fit the catalogue, if it does not: its type must be there, of the
 * record's category, its details must be the type's (Art. 8, 9), and a tier it names one its
 * type allows (Guobanfa [2025] 22).
 */
export function catalogueProblem(
  catalogue: ReadonlyMap<string, CatalogueEntry>,
  record: { typeCode: string; category: string; details: Record<string, unknown>; tier?: Severity | undefined },
): { field: string; message: string } | undefined {
  const type = catalogue.get(record.typeCode);
  if (!type) return { field: 'typeCode', message: `${record.typeCode} is not in the record type catalogue (GET /record-types)` };
  if (type.category !== record.category) return { field: 'typeCode', message: `${record.typeCode} belongs to the category ${type.category}, not ${record.category}` };
  if (record.tier !== undefined && type.tiers[record.tier] === undefined) {
    const allowed = Object.keys(type.tiers);
    return {
      field: 'tier',
      message: allowed.length === 0 ? `${record.typeCode} is not negative information: it has no tier` : `${record.typeCode} is classified ${allowed.join(', ')}, not ${record.tier}`,
    };
  }
  return detailsProblem(type, record.details);
}

/** Penalties that are minor unless the agency classifies them otherwise (Guobanfa [2025] 22). */
const MINOR_PENALTY_KINDS: ReadonlySet<unknown> = new Set(['warning', 'circulated-criticism']);

/**
 * A record's tier (Guobanfa [2025] 22): the one its sharing agency named, else minor for a
 * warning or a circulated criticism where its type allows minor, else its type's default; none
 * for information that is not negative. The record fits the catalogue (catalogueProblem).
 */
export function recordTier(type: Pick<RecordType, 'severity' | 'tiers'>, record: { tier?: Severity | undefined; details: Record<string, unknown> }): Severity | null {
  if (type.severity === null) return null;
  if (record.tier !== undefined) return record.tier;
  if (MINOR_PENALTY_KINDS.has(record.details.penaltyKind) && type.tiers.minor !== undefined) return 'minor';
  return type.severity;
}

/** How long a record of the type and tier counts, in months; null while it stays active. */
export function countingMonths(type: Pick<RecordType, 'countsForMonths' | 'tiers'>, tier: Severity | null): number | null {
  const byTier = tier === null ? undefined : type.tiers[tier];
  return byTier !== undefined ? byTier : type.countsForMonths;
}

/**
 * The day a record stops counting for a period of months: from its formation, or from the day its
 * type's `countsFrom` detail names (a conviction counts until that day is known and 5 years after
 * it); null while it counts as long as it is active, or its agency kept it counting (Order 36).
 * The SQL function counting_ends_on (migration 1767300000000) says the same.
 */
export function countingEndsOn(
  type: Pick<RecordType, 'countsFrom'>,
  months: number | null,
  record: { formedOn: LocalDate; details: Record<string, unknown>; keptCounting?: boolean | undefined },
): LocalDate | null {
  if (months === null || record.keptCounting) return null;
  if (type.countsFrom === null) return addCalendarMonths(record.formedOn, months);
  const from = record.details[type.countsFrom];
  return typeof from === 'string' ? addCalendarMonths(from, months) : null;
}
