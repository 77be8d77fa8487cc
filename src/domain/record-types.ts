import { z } from 'zod';
import { isCountableDay } from './input';
import { CATEGORIES, POLARITIES, SEVERITIES } from './record';

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
  severity: z.enum(SEVERITIES).nullable(),
  /** How long a record counts from its formation, in months; null while it stays active (a listing). */
  countsForMonths: z.number().int().nullable(),
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

/**
 * Why a record does not fit the catalogue, if it does not: its type must be there, of the
 * record's category, and its details must be the type's (Art. 8, 9).
 */
export function catalogueProblem(
  catalogue: ReadonlyMap<string, Pick<RecordType, 'code' | 'category' | 'details'>>,
  record: { typeCode: string; category: string; details: Record<string, unknown> },
): { field: string; message: string } | undefined {
  const type = catalogue.get(record.typeCode);
  if (!type) return { field: 'typeCode', message: `${record.typeCode} is not in the record type catalogue (GET /record-types)` };
  if (type.category !== record.category) return { field: 'typeCode', message: `${record.typeCode} belongs to the category ${type.category}, not ${record.category}` };
  return detailsProblem(type, record.details);
}
