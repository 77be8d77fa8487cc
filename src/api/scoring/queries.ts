import type pg from 'pg';
import type { ModelStatus } from '../../domain/score-model';
import type { PersonStanding } from '../../domain/scope';
import type { RescoringSelection } from '../../workflows/scoring/contract';

/** A person's scores, the current and every one they replaced, newest first. */
export async function scoreHistory(pool: pg.Pool, personId: string): Promise<{ scenario: string; modelId: string; score: number; level: string; computedAt: string }[]> {
  const history = await pool.query<{ scenario: string; model_id: string; score: number; level: string; computed_at: Date }>(
    `SELECT scenario, model_id, score, level, computed_at FROM scores WHERE person_id = $1
     UNION ALL
     SELECT scenario, model_id, score, level, computed_at FROM score_history WHERE person_id = $1
     ORDER BY computed_at DESC LIMIT 200`,
    [personId],
  );
  return history.rows.map((row) => ({ scenario: row.scenario, modelId: row.model_id, score: row.score, level: row.level, computedAt: row.computed_at.toISOString() }));
}

export interface ModelView {
  id: string;
  scenario: string;
  version: number;
  status: ModelStatus;
  description: string;
  commentUntil: string | null;
  effectiveFrom: string | null;
}

export async function models(pool: pg.Pool): Promise<ModelView[]> {
  const rows = await pool.query<{ id: string; scenario: string; version: number; status: ModelStatus; description: string; comment_until: string | null; effective_from: string | null }>(
    'SELECT id, scenario, version, status, description, comment_until, effective_from FROM score_models ORDER BY scenario, version',
  );
  return rows.rows.map((row) => ({
    id: row.id,
    scenario: row.scenario,
    version: row.version,
    status: row.status,
    description: row.description,
    commentUntil: row.comment_until,
    effectiveFrom: row.effective_from,
  }));
}

export async function rescoringRuns(pool: pg.Pool): Promise<
  { id: string; onDay: string; selection: RescoringSelection; due: number | null; startedAt: string; finishedAt: string | null; personsScored: number; levelChanges: number; outOfScope: number }[]
> {
  const runs = await pool.query<{
    id: string; on_day: string; selection: RescoringSelection; due: string | null; started_at: Date; finished_at: Date | null; persons_scored: string; level_changes: string; out_of_scope: string;
  }>('SELECT id, on_day, selection, due, started_at, finished_at, persons_scored, level_changes, out_of_scope FROM rescoring_runs ORDER BY started_at DESC LIMIT 100');
  return runs.rows.map((row) => ({
    id: row.id,
    onDay: row.on_day,
    selection: row.selection,
    due: row.due === null ? null : Number(row.due),
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    personsScored: Number(row.persons_scored),
    levelChanges: Number(row.level_changes),
    outOfScope: Number(row.out_of_scope),
  }));
}

/** What agencies have confirmed about a person (Art. 3), or nothing for an unknown person. */
export async function personStanding(pool: pg.Pool, personId: string): Promise<PersonStanding | undefined> {
  const found = await pool.query<{ birth_date: string; residency: PersonStanding['residency']; residence_permit_valid_until: string | null; civil_capacity: PersonStanding['civilCapacity'] }>(
    'SELECT birth_date, residency, residence_permit_valid_until, civil_capacity FROM persons WHERE id = $1',
    [personId],
  );
  const row = found.rows[0];
  return row && { birthDate: row.birth_date, residency: row.residency, residencePermitValidUntil: row.residence_permit_valid_until, civilCapacity: row.civil_capacity };
}
