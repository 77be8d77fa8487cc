import { z } from 'zod';
import { CATEGORIES, SEVERITIES, type Category, type Severity } from './record';
import type { RecordType } from './record-types';

/**
 * The indicator model (Art. 4, 13): data, versioned, never code constants. A record counts when
 * the model has a rule for its type, it is active, it was formed on or before the scoring day and
 * its counting period (the rule's, else the catalogue's) has not ended.
 */
export const ruleSchema = z.strictObject({
  /** Points per record, or per unit when `perUnit` is set (negative for dishonest conduct). */
  points: z.number().int().min(-1000).max(1000),
  /** Points of a negative record of another tier than its type's default (Guobanfa [2025] 22); `points` are the default tier's. */
  tierPoints: z.partialRecord(z.enum(SEVERITIES), z.number().int().min(-1000).max(0)).optional(),
  /** Points per whole unit of a detail, e.g. 1 point per 10 volunteer `hours`. */
  perUnit: z.strictObject({ field: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,40}$/), size: z.number().int().positive() }).optional(),
  /** A cap on the points of this type formed in one calendar year, e.g. +20 a year of volunteering. */
  yearlyCap: z.number().int().positive().optional(),
  /** How long a record counts, overriding the catalogue; null counts while the record stays active (a listing). */
  countsForMonths: z.number().int().positive().nullable().optional(),
});
export type ScoreRule = z.infer<typeof ruleSchema>;

export const modelDefinitionSchema = z
  .strictObject({
    baseScore: z.number().int().min(0).max(10_000),
    /** Levels from the highest: a score gets the first level whose minimum it reaches; the last level has no minimum. */
    levels: z.array(z.strictObject({ level: z.string().min(1).max(10), min: z.number().int().nullable() })).min(1),
    /** Caps on the absolute points of a category, e.g. honours at most +60. */
    categoryCaps: z.partialRecord(z.enum(CATEGORIES), z.number().int().positive()).default({}),
    rules: z.record(z.string().regex(/^[a-z][a-z0-9-]{1,62}$/), ruleSchema),
  })
  // Refinements run even when a field above failed (an empty list of levels): they must not assume it passed.
  .refine((model) => model.levels.at(-1)?.min === null && model.levels.slice(0, -1).every((l) => l.min !== null), {
    message: 'every level but the last needs a minimum; the last has none',
    path: ['levels'],
  })
  .refine((model) => model.levels.slice(1, -1).every((l, i) => l.min! < model.levels[i]!.min!), {
    message: 'levels must go from the highest minimum down',
    path: ['levels'],
  });
export type ModelDefinition = z.infer<typeof modelDefinitionSchema>;

export const MODEL_STATUSES = ['draft', 'public-comment', 'active', 'retired'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/** Art. 13: a model is drafted, put to public comment, then activated; only an active model scores anyone. */
export const MODEL_TRANSITIONS: Record<ModelStatus, ModelStatus[]> = {
  draft: ['public-comment'],
  'public-comment': ['active', 'draft'],
  active: ['retired'],
  retired: [],
};

/**
 * Why a model does not fit the record-type catalogue, if it does not: every rule names a type of
 * the catalogue, and a rule counting per unit counts a numeric detail of its type.
 */
export function modelCatalogueProblem(
  catalogue: ReadonlyMap<string, Pick<RecordType, 'details' | 'severity' | 'tiers'>>,
  model: Pick<ModelDefinition, 'rules'>,
): { field: string; message: string } | undefined {
  for (const [code, rule] of Object.entries(model.rules)) {
    const type = catalogue.get(code);
    if (!type) return { field: `definition.rules.${code}`, message: `${code} is not in the record type catalogue (GET /record-types)` };
    const tierProblem = tierPointsProblem(code, type, rule);
    if (tierProblem) return tierProblem;
    const unit = rule.perUnit?.field;
    if (unit && !type.details.some((field) => field.name === unit && (field.kind === 'number' || field.kind === 'integer'))) {
      return { field: `definition.rules.${code}.perUnit.field`, message: `${unit} is not a numeric detail of ${code}` };
    }
  }
  return undefined;
}

/**
 * A rule of a type classified in several tiers gives the points of each tier besides the default
 * (Guobanfa [2025] 22: points follow the record's tier), and none of a tier the type does not have.
 * The tiers set the counting periods, which the rule cannot override for one of them alone.
 */
function tierPointsProblem(code: string, type: Pick<RecordType, 'severity' | 'tiers'>, rule: ScoreRule): { field: string; message: string } | undefined {
  const field = `definition.rules.${code}.tierPoints`;
  const others = (Object.keys(type.tiers) as Severity[]).filter((tier) => tier !== type.severity);
  for (const tier of Object.keys(rule.tierPoints ?? {}) as Severity[]) {
    if (type.tiers[tier] === undefined || tier === type.severity) {
      return { field: `${field}.${tier}`, message: `${code} ${tier === type.severity ? `counts points for its default tier ${tier}` : `has no tier ${tier}`}` };
    }
  }
  const missing = others.find((tier) => rule.tierPoints?.[tier] === undefined);
  if (missing) return { field, message: `${code} is also classified ${others.join(', ')}: the rule gives the points of each (${missing} missing)` };
  if (others.length > 0 && rule.countsForMonths !== undefined) {
    return { field: `definition.rules.${code}.countsForMonths`, message: `${code} counts for the period of each record's tier: a rule cannot override it` };
  }
  return undefined;
}

export function levelOf(score: number, levels: ModelDefinition['levels']): string {
  return levels.find((l) => l.min === null || score >= l.min)!.level;
}

export type { Category };
