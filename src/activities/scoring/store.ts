import type { ModelDefinition } from '../../domain/score-model';
import type { LocalDate } from '../../domain/working-days';
import type { Queryable } from '../../db/pool';
import { evaluation } from '../../db/scores';

/** The persons a run of the due marked in an id range: scored by id, each found through its index. */
export async function duePersonsIn(db: Queryable, range: { runId: string; after: string; upTo: string }): Promise<string[]> {
  const due = await db.query<{ person_id: string }>(
    'SELECT person_id FROM rescoring_due WHERE run_id = $1 AND person_id > $2 AND person_id <= $3 ORDER BY person_id',
    [range.runId, range.after, range.upTo],
  );
  return due.rows.map((row) => row.person_id);
}

/**
 * Art. 6: marks the persons a run of the due rescores on a day: those whose score's boundary has
 * come, those who turned 18 since the day of the last run (out of scope before, they had no score
 * to carry a boundary), and those whose rescoring was asked for and is not answered yet (their
 * score's boundary is unknown). Idempotent; returns how many are marked.
 */
export async function markDuePersons(db: Queryable, run: { runId: string; onDay: LocalDate; since: LocalDate }): Promise<number> {
  await db.query(
    `INSERT INTO rescoring_due (run_id, person_id)
     SELECT $1, person_id FROM scores WHERE next_change_on <= $2::date
     UNION SELECT $1, person_id FROM rescore_requests WHERE answered_at IS NULL
     UNION SELECT $1, id FROM persons
       WHERE birth_date > ($3::date - interval '18 years')::date AND birth_date <= ($2::date - interval '18 years')::date
     ON CONFLICT DO NOTHING`,
    [run.runId, run.onDay, run.since],
  );
  const marked = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rescoring_due WHERE run_id = $1', [run.runId]);
  return marked.rows[0]!.n;
}

/** One cell of a draft's transition matrix: how many persons go from a level today ('' when not scored yet) to one under the draft. */
export interface ImpactCell {
  today: string;
  draft: string;
  persons: number;
}

/** A rule the draft changes or adds, how many persons it counts for, and how many of those change level. */
export interface ImpactDriver {
  typeCode: string;
  persons: number;
  moving: number;
}

export interface DraftImpact {
  onDay: LocalDate;
  persons: number;
  matrix: ImpactCell[];
  drivers: ImpactDriver[];
}

/**
 * What a draft would change over the whole city on a day (Art. 13), set-based and never per
 * person: every person in scope scored under the draft in the scoring statement's own
 * evaluation, against their level today in the scenario (the transition matrix), and the rules
 * the draft changes or adds with how many persons each counts for and how many of them change
 * level. Writes nothing; the statement sees one snapshot.
 */
export async function draftImpact(db: Queryable, input: { draft: ModelDefinition; active: ModelDefinition | null; scenario: string; onDay: LocalDate }): Promise<DraftImpact> {
  const found = await db.query<{ matrix: ImpactCell[]; drivers: ImpactDriver[] }>(
    `WITH ${evaluation('true', 'true')}
     ), today AS (
       SELECT person_id, level FROM scores WHERE scenario = $2
     ), pairs AS (
       SELECT l.person_id, coalesce(t.level, '') AS today, l.level AS draft FROM leveled l LEFT JOIN today t USING (person_id)
     ), matrix AS (
       SELECT today, draft, count(*)::int AS persons FROM pairs GROUP BY today, draft
     ), changed_rules AS (
       SELECT d.key AS type_code FROM jsonb_each($1::jsonb->'rules') d WHERE (coalesce($4::jsonb, '{}')->'rules'->d.key) IS DISTINCT FROM d.value
     ), drivers AS (
       SELECT li.type_code, count(DISTINCT li.person_id)::int AS persons, count(DISTINCT li.person_id) FILTER (WHERE p.today <> p.draft)::int AS moving
       FROM lines li JOIN changed_rules USING (type_code) JOIN pairs p USING (person_id) WHERE li.points <> 0 GROUP BY li.type_code
     )
     SELECT (SELECT coalesce(json_agg(json_build_object('today', today, 'draft', draft, 'persons', persons) ORDER BY today, draft), '[]') FROM matrix) AS matrix,
            (SELECT coalesce(json_agg(json_build_object('typeCode', type_code, 'persons', persons, 'moving', moving) ORDER BY moving DESC, type_code), '[]') FROM drivers) AS drivers`,
    [JSON.stringify(input.draft), input.scenario, input.onDay, input.active && JSON.stringify(input.active)],
  );
  const { matrix, drivers } = found.rows[0]!;
  return { onDay: input.onDay, persons: matrix.reduce((sum, cell) => sum + cell.persons, 0), matrix, drivers };
}
