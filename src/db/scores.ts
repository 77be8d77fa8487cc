import type pg from 'pg';
import { READ_VIEWS_CHANNEL } from './change-feed';
import { loadCatalogue } from './record-store/catalogue';
import type { RecordStatus, Severity } from '../domain/record';
import { modelDefinitionSchema, type ModelDefinition } from '../domain/score-model';
import { evaluate, MOST_POINTS_OF_A_RECORD, type CatalogueCounting, type Evaluation, type ScoredRecord } from '../domain/scoring';
import { shanghaiDayOf, type LocalDate } from '../domain/working-days';
import { rescorePersonWorkflowId } from '../workflows/scoring/contract';
import type { Queryable } from './pool';

export interface ActiveModel {
  id: string;
  scenario: string;
  definition: ModelDefinition;
}

/** Only an active model scores anyone (Art. 13); there is at most one per scenario. */
export async function activeModels(db: Queryable, scenarios?: string[]): Promise<ActiveModel[]> {
  const result = await db.query<{ id: string; scenario: string; definition: unknown }>(
    `SELECT id, scenario, definition FROM score_models WHERE status = 'active' AND ($1::text[] IS NULL OR scenario = ANY($1)) ORDER BY scenario`,
    [scenarios ?? null],
  );
  return result.rows.map((row) => ({ id: row.id, scenario: row.scenario, definition: modelDefinitionSchema.parse(row.definition) }));
}

/** How long each record type counts by the catalogue, by tier and from which day. */
export async function catalogueCounting(db: Queryable): Promise<CatalogueCounting> {
  return loadCatalogue(db);
}

/** A person's records in the form the evaluator explains them with. */
export async function recordsToExplain(db: Queryable, personId: string): Promise<ScoredRecord[]> {
  const result = await db.query<{
    id: string; type_code: string; category: string; formed_on: LocalDate; status: RecordStatus; tier: Severity | null; details: Record<string, unknown>; kept: boolean;
  }>('SELECT id, type_code, category, formed_on, status, tier, details, kept_counting_by IS NOT NULL AS kept FROM records WHERE person_id = $1', [personId]);
  return result.rows.map((row) => ({
    id: row.id, typeCode: row.type_code, category: row.category, formedOn: row.formed_on, status: row.status, tier: row.tier, details: row.details,
    ...(row.kept ? { keptCounting: true } : {}),
  }));
}

/** Which persons a computation covers: an id range of a run over everyone, or persons by id (an event's, a run's due). */
export type PersonSelection = { after: string; upTo: string } | { ids: string[] };

export interface ScoringResult {
  /** Person-scenarios evaluated (whether or not their score changed). */
  scored: number;
  levelChanges: number;
  outOfScope: number;
}

function filter(column: string, selection: PersonSelection, first: number): { sql: string; params: unknown[] } {
  return 'ids' in selection
    ? { sql: `${column} = ANY($${first}::uuid[])`, params: [selection.ids] }
    : { sql: `${column} > $${first}::uuid AND ${column} <= $${first + 1}::uuid`, params: [selection.after, selection.upTo] };
}

/**
 * The evaluation of a model (`$1`, its definition) on a day (`$3`) for the persons the filters
 * select, as common table expressions ending in `leveled` (each person in scope with their score,
 * level and boundary) and `lines` (what each record counts): the scoring statement writes what it
 * gives, a draft's impact aggregates it. The same rules as `evaluate` in src/domain/scoring.ts.
 */
export function evaluation(persons: string, records: string): string {
  return `rules AS MATERIALIZED (
         -- The small tables of the model are materialized: inlined, their JSON would be read again
         -- for every record line, and a score's whole sum again for every level it is tried against.
         -- A row per tier of a negative type (Guobanfa [2025] 22: points and period follow the
         -- record's tier) and one, '-', for a record without a tier: other types' records, and a
         -- negative one an older release stored without it, which has its type's default tier.
         -- The tiers come from a fixed list (the planner knows it has four rows; drawn from each
         -- type's JSON it would guess a hundred and sort every record to merge-join them).
         SELECT rule.key AS type_code, rule.key || ':' || tier.key AS type_tier, t.category, t.counts_from,
                coalesce((rule.value->'tierPoints'->>tier.key)::int, (rule.value->>'points')::int) AS points,
                rule.value->'perUnit'->>'field' AS unit_field, (rule.value->'perUnit'->>'size')::numeric AS unit_size,
                (rule.value->>'yearlyCap')::int AS yearly_cap,
                make_interval(months => CASE WHEN rule.value ? 'countsForMonths' THEN (rule.value->>'countsForMonths')::int
                     WHEN t.severity IS NOT NULL THEN (t.tiers->>(CASE tier.key WHEN '-' THEN t.severity ELSE tier.key END))::int
                     ELSE (extract(year FROM t.counts_for) * 12 + extract(month FROM t.counts_for))::int END) AS counting
         FROM jsonb_each($1::jsonb->'rules') AS rule JOIN record_types t ON t.code = rule.key
         CROSS JOIN unnest(ARRAY['-', 'minor', 'general', 'serious']) AS tier (key)
         WHERE tier.key = '-' OR t.tiers ? tier.key
       ), caps AS MATERIALIZED (
         SELECT key AS category, value::int AS cap FROM jsonb_each_text($1::jsonb->'categoryCaps')
       ), levels AS MATERIALIZED (
         -- Each level with the score range it covers: from its minimum up to the next level's.
         SELECT l.value->>'level' AS level, (l.value->>'min')::int AS min, lag((l.value->>'min')::int) OVER (ORDER BY l.ordinality) AS below
         FROM jsonb_array_elements($1::jsonb->'levels') WITH ORDINALITY AS l
       ), in_scope AS (
         -- Art. 3: adults with full civil capacity, locally registered or holding a valid residence permit.
         SELECT p.id, CASE WHEN p.residency = 'residence-permit' THEN p.residence_permit_valid_until + 1 END AS leaves_scope_on FROM persons p
         WHERE ${persons} AND p.birth_date <= ($3::date - interval '18 years')::date AND p.civil_capacity = 'full'
           AND (p.residency = 'household' OR (p.residency = 'residence-permit' AND (p.residence_permit_valid_until IS NULL OR p.residence_permit_valid_until >= $3::date)))
       ), lines AS (
         -- A record that counts on the day, or one formed later (it counts nothing yet, but the day
         -- it is formed is a boundary), with the day its counting changes next.
         SELECT r.person_id, ru.category, ru.type_code, extract(year FROM r.formed_on)::int AS year, ru.yearly_cap,
                CASE WHEN r.formed_on > $3::date THEN 0
                     WHEN ru.unit_field IS NULL THEN ru.points
                     ELSE least(greatest(floor(CASE jsonb_typeof(r.details->ru.unit_field)
                                   WHEN 'number' THEN (r.details->>ru.unit_field)::numeric
                                   WHEN 'string' THEN CASE WHEN r.details->>ru.unit_field ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN (r.details->>ru.unit_field)::numeric ELSE 0 END
                                   ELSE 0 END / ru.unit_size) * ru.points, -${MOST_POINTS_OF_A_RECORD}), ${MOST_POINTS_OF_A_RECORD})::int END AS points,
                CASE WHEN r.formed_on > $3::date THEN r.formed_on
                     WHEN r.kept_counting_by IS NOT NULL OR ru.counting IS NULL THEN NULL
                     WHEN ru.counts_from IS NULL THEN (r.formed_on + ru.counting)::date
                     WHEN r.details->>ru.counts_from IS NOT NULL THEN ((r.details->>ru.counts_from)::date + ru.counting)::date END AS changes_on
         -- One key of type and tier: two keys, the planner takes the pair for rare and the join for small.
         FROM records r JOIN rules ru ON ru.type_tier = r.type_code || ':' || coalesce(r.tier, '-')
         -- A record the agency kept under its sector rules counts past its period (Order 36).
         -- The rule of counting_ends_on (migration 1767300000000), written out: a function call here
         -- would hand every record's details to it, where this reads them only for a type whose
         -- counting starts from a detail's day.
         WHERE ${records} AND r.status = 'active'
           AND (ru.counting IS NULL OR r.kept_counting_by IS NOT NULL
                OR CASE WHEN ru.counts_from IS NULL THEN (r.formed_on + ru.counting)::date > $3::date
                        ELSE r.details->>ru.counts_from IS NULL OR ((r.details->>ru.counts_from)::date + ru.counting)::date > $3::date END)
       ), type_years AS (
         SELECT person_id, category, CASE WHEN max(yearly_cap) IS NULL THEN sum(points) ELSE sign(sum(points)) * least(abs(sum(points)), max(yearly_cap)) END AS points,
                min(changes_on) AS changes_on
         FROM lines GROUP BY person_id, category, type_code, year
       ), categories AS (
         SELECT t.person_id, sum(t.points) AS points, c.cap, min(t.changes_on) AS changes_on
         FROM type_years t LEFT JOIN caps c ON c.category = t.category GROUP BY t.person_id, t.category, c.cap
       ), totals AS MATERIALIZED (
         SELECT i.id AS person_id,
                ($1::jsonb->>'baseScore')::int + coalesce(sum(CASE WHEN c.cap IS NULL THEN c.points ELSE sign(c.points) * least(abs(c.points), c.cap) END), 0)::int AS score,
                least(min(c.changes_on), min(i.leaves_scope_on)) AS next_change_on
         FROM in_scope i LEFT JOIN categories c ON c.person_id = i.id GROUP BY i.id
       ), leveled AS (
         SELECT t.person_id, t.score, t.next_change_on, l.level
         FROM totals t JOIN levels l ON (l.min IS NULL OR t.score >= l.min) AND (l.below IS NULL OR t.score < l.below)`;
}

/**
 * The set-based evaluation (Art. 4): the same rules as `evaluate` in src/domain/scoring.ts, for
 * many persons in one statement per scenario. Writes a score that is new or changed (a repeated
 * computation writes nothing new), drops the score of anyone out of scope (Art. 3), keeps every
 * score replaced or dropped in the history, and tells persons whose base level changed.
 *
 * With each score it keeps its boundary (Art. 6): the next day the score could change without a
 * new record, the earliest of the days on which a counting record stops counting (or one formed
 * later starts) and the day after a residence permit ends, computed from the same lines.
 */
export async function scorePersons(
  db: Queryable,
  options: {
    models: ActiveModel[];
    onDay: LocalDate;
    computedBy: string;
    /** When the scores were computed; without it, the instant each is written, after every record its statement saw was committed. */
    computedAt?: string;
    persons: PersonSelection;
  },
): Promise<ScoringResult> {
  let scored = 0;
  let levelChanges = 0;
  let outOfScope = 0;
  for (const model of options.models) {
    const person = filter('p.id', options.persons, 9);
    const record = filter('r.person_id', options.persons, 9);
    const score = filter('s.person_id', options.persons, 9);
    const result = await db.query<{ scored: number; level_changes: number; out_of_scope: number }>(
      `WITH ${evaluation(person.sql, record.sql)}
       ), previous AS (
         SELECT s.person_id, s.level, s.score, s.model_id, s.next_change_on, s.on_day, s.computed_at, s.computed_by
         FROM scores s WHERE ${score.sql} AND s.scenario = $2
       ), changed AS (
         -- Only a new or different score, or a moved boundary, is written: a nightly run that
         -- changes little writes little. A score that another replaces goes to the history.
         SELECT l.person_id, l.score, l.level, l.next_change_on,
                p.person_id IS NOT NULL AND (p.score <> l.score OR p.level <> l.level OR p.model_id <> $4) AS superseded,
                p.level AS previous_level, p.score AS previous_score, p.model_id AS previous_model_id, p.on_day AS previous_on_day,
                p.computed_at AS previous_computed_at, p.computed_by AS previous_computed_by
         FROM leveled l LEFT JOIN previous p USING (person_id)
         WHERE p.person_id IS NULL OR p.score <> l.score OR p.level <> l.level OR p.model_id <> $4 OR p.next_change_on IS DISTINCT FROM l.next_change_on
       ), written AS (
         INSERT INTO scores (person_id, scenario, model_id, score, level, on_day, computed_at, computed_by, next_change_on)
         SELECT person_id, $2, $4, score, level, $3, coalesce($5::timestamptz, clock_timestamp()), $6, next_change_on FROM changed
         ON CONFLICT (person_id, scenario) DO UPDATE SET model_id = EXCLUDED.model_id, score = EXCLUDED.score, level = EXCLUDED.level,
           on_day = EXCLUDED.on_day, computed_at = EXCLUDED.computed_at, computed_by = EXCLUDED.computed_by, next_change_on = EXCLUDED.next_change_on
       ), dropped AS (
         DELETE FROM scores s WHERE ${score.sql} AND s.scenario = $2 AND s.person_id NOT IN (SELECT person_id FROM leveled)
         RETURNING s.person_id, s.model_id, s.score, s.level, s.on_day, s.computed_at, s.computed_by
       ), history AS (
         -- The history keeps every score replaced or dropped, with the computation that gave it and
         -- the one that replaced it; the current score is the one in scores.
         INSERT INTO score_history (computed_by, person_id, scenario, model_id, score, level, on_day, computed_at, superseded_by)
         SELECT previous_computed_by, person_id, $2, previous_model_id, previous_score, previous_level, previous_on_day, previous_computed_at, $6
         FROM changed WHERE superseded
         UNION ALL
         SELECT computed_by, person_id, $2, model_id, score, level, on_day, computed_at, $6 FROM dropped
         ON CONFLICT (person_id, scenario, computed_by) DO NOTHING
       ), notified AS (
         INSERT INTO notifications (id, recipient_role, recipient_id, kind, workflow_id, body)
         SELECT $6 || '/' || person_id || '/level', 'person', person_id, 'level-changed', $7, jsonb_build_object('level', level, 'previousLevel', previous_level)
         FROM changed WHERE $8 AND superseded AND previous_level <> level
           -- Art. 7: a level is told only to a person whose agreement is in force.
           AND agreement_in_force(changed.person_id)
         ON CONFLICT (id) DO NOTHING
       ), told AS (
         -- The API's read views hear of the persons whose score changed, at commit, as from the
         -- triggers of migration 1766000000000 (which leave scores to this statement, their only writer).
         -- A CTE that only reads runs when referenced: the result's first column does.
         SELECT pg_notify('${READ_VIEWS_CHANNEL}', CASE WHEN count(*) > 180 THEN '*' ELSE string_agg(person_id::text, ',') END)
         FROM (SELECT person_id FROM changed UNION SELECT person_id FROM dropped LIMIT 181) c HAVING count(*) > 0
       )
       SELECT (SELECT count(*) FROM told) AS told, (SELECT count(*) FROM leveled)::int AS scored,
              (SELECT count(*) FROM changed WHERE superseded AND previous_level <> level)::int AS level_changes,
              ((SELECT count(*) FROM persons p WHERE ${person.sql}) - (SELECT count(*) FROM leveled))::int AS out_of_scope`,
      [
        JSON.stringify(model.definition), model.scenario, options.onDay, model.id, options.computedAt ?? null, options.computedBy,
        options.computedBy.split('#')[0], model.scenario === 'base', ...person.params,
      ],
    );
    scored += result.rows[0]!.scored;
    // The level a person sees, and is told about, is the base scenario's.
    if (model.scenario === 'base' || options.models.length === 1) levelChanges = result.rows[0]!.level_changes;
    if (model.scenario === 'base' || options.models.length === 1) outOfScope = result.rows[0]!.out_of_scope;
  }
  return { scored, levelChanges, outOfScope };
}

/** Told at the commit of every transaction that asked for a rescoring: the answering activity listens (src/activities/scoring/requests.ts). */
export const RESCORE_REQUESTED_CHANNEL = 'rescore_requested';

export interface RescoreRequest {
  id: string;
  personId: string;
  reason: string;
  requestedBy: string;
  /** Who is to answer it: the person's `rescore-person` workflow unless the change had no workflow to signal it. */
  answeredBy?: string;
}

/**
 * Art. 6: a change to a person's records asks for their rescoring. The request is kept in
 * `rescore_requests` (written in the transaction that made the change) until a scoring answers it,
 * and the commit tells the activity answering requests (RESCORE_REQUESTED_CHANNEL).
 */
export async function recordRescoreRequests(db: Queryable, requests: RescoreRequest[]): Promise<void> {
  if (requests.length === 0) return;
  await db.query(
    `WITH asked AS (
       INSERT INTO rescore_requests (id, person_id, reason, requested_by, answered_by)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[]) ON CONFLICT (id) DO NOTHING
       RETURNING 1
     )
     SELECT pg_notify('${RESCORE_REQUESTED_CHANNEL}', '') FROM (SELECT 1 FROM asked LIMIT 1) AS any_asked`,
    [
      requests.map((r) => r.id),
      requests.map((r) => r.personId),
      requests.map((r) => r.reason),
      requests.map((r) => r.requestedBy),
      requests.map((r) => r.answeredBy ?? rescorePersonWorkflowId(r.personId)),
    ],
  );
}

/**
 * Scores persons in every active scenario on the Shanghai day of `at` and answers their
 * requests made before it began: the one place requests are answered, whether one person's
 * (`rescore-person`, `rescore-requests`) or a bulk batch's thousands. Without `at`, the scores
 * are stamped with the instant they are written: a record committed while the persons were being
 * gathered is scored, and its score is never stamped before it was shared.
 */
export async function scoreOnRequest(
  pool: pg.Pool,
  input: {
    personIds: string[];
    computedBy: string;
    at?: string;
    /** The requests this scoring answers, when the caller read them before it began; otherwise every request of the persons made before it began. */
    requestIds?: string[];
  },
): Promise<ScoringResult> {
  // The database's own clock, the one requests are stamped with.
  const began = (await pool.query<{ now: Date }>('SELECT now()')).rows[0]!.now;
  const result = await scorePersons(pool, {
    models: await activeModels(pool),
    onDay: shanghaiDayOf(input.at ? new Date(input.at) : began),
    computedBy: input.computedBy,
    ...(input.at ? { computedAt: input.at } : {}),
    persons: { ids: input.personIds },
  });
  // A request's requested_at is when its transaction began, not when it committed: a caller that
  // read the requests names them, so one committed while the persons were being scored stays open.
  if (input.requestIds) await pool.query('UPDATE rescore_requests SET answered_at = now() WHERE id = ANY($1::text[]) AND answered_at IS NULL', [input.requestIds]);
  else {
    await pool.query('UPDATE rescore_requests SET answered_at = now() WHERE person_id = ANY($1::uuid[]) AND answered_at IS NULL AND requested_at <= $2', [
      input.personIds,
      began,
    ]);
  }
  return result;
}

export interface ExplainedScore {
  scenario: string;
  modelId: string;
  score: number;
  level: string;
  onDay: string;
  computedAt: string;
  breakdown: Pick<Evaluation, 'base' | 'categories' | 'lines' | 'caps'>;
}

/** A current score as stored, before it is explained. */
export type StoredScore = Omit<ExplainedScore, 'breakdown'>;

/** The catalogue's counting periods change only with a migration: read at most once a minute. */
const CATALOGUE_FRESH_MS = 60_000;

/**
 * Explains scores (Art. 4; PIPL art. 24): each recomputed deterministically from its model
 * version, the day it names and the person's records. Keeps what it read and checked: each model
 * version parsed once (a version never changes once created), and the catalogue's counting
 * periods. One per API process, injected (ApiDependencies.scores) like the read views.
 */
export class ScoreExplainer {
  private readonly definitions = new Map<string, ModelDefinition>();
  private catalogue?: { readAt: number; counting: Promise<CatalogueCounting> };

  constructor(private readonly pool: pg.Pool) {}

  /** Scores with their breakdowns. */
  async explain(scores: StoredScore[], records: ScoredRecord[]): Promise<ExplainedScore[]> {
    const [models, catalogue] = await Promise.all([this.definitionsOf([...new Set(scores.map((score) => score.modelId))]), this.catalogueCounting()]);
    return scores.map((score) => {
      const evaluation = evaluate(models.get(score.modelId)!, catalogue, records, score.onDay);
      return { ...score, breakdown: { base: evaluation.base, categories: evaluation.categories, lines: evaluation.lines, caps: evaluation.caps } };
    });
  }

  /** A person's current scores, each explained. */
  async explainedScores(personId: string): Promise<ExplainedScore[]> {
    const [scores, records] = await Promise.all([
      this.pool.query<{ scenario: string; model_id: string; score: number; level: string; on_day: string; computed_at: Date }>(
        'SELECT scenario, model_id, score, level, on_day, computed_at FROM scores WHERE person_id = $1 ORDER BY scenario',
        [personId],
      ),
      recordsToExplain(this.pool, personId),
    ]);
    const stored = scores.rows.map((row) => ({ scenario: row.scenario, modelId: row.model_id, score: row.score, level: row.level, onDay: row.on_day, computedAt: row.computed_at.toISOString() }));
    return this.explain(stored, records);
  }

  private async definitionsOf(ids: string[]): Promise<Map<string, ModelDefinition>> {
    const missing = ids.filter((id) => !this.definitions.has(id));
    if (missing.length > 0) {
      const found = await this.pool.query<{ id: string; definition: unknown }>('SELECT id, definition FROM score_models WHERE id = ANY($1)', [missing]);
      for (const row of found.rows) this.definitions.set(row.id, modelDefinitionSchema.parse(row.definition));
    }
    return this.definitions;
  }

  private catalogueCounting(): Promise<CatalogueCounting> {
    if (this.catalogue && Date.now() - this.catalogue.readAt < CATALOGUE_FRESH_MS) return this.catalogue.counting;
    const counting = catalogueCounting(this.pool);
    const cached = { readAt: Date.now(), counting };
    this.catalogue = cached;
    counting.catch(() => {
      if (this.catalogue === cached) this.catalogue = undefined;
    });
    return counting;
  }
}

/** The levels of each scenario's active model, from the highest. */
export async function scenarioLevels(db: Queryable): Promise<Map<string, string[]>> {
  const found = await db.query<{ scenario: string; levels: { level: string }[] }>(`SELECT scenario, definition->'levels' AS levels FROM score_models WHERE status = 'active'`);
  return new Map(found.rows.map((row) => [row.scenario, row.levels.map((l) => l.level)]));
}
