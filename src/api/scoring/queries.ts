import type pg from 'pg';
import type { StoredScore } from '../../db/scores';
import type { ScoredRecord } from '../../domain/scoring';
import type { ModelStatus } from '../../domain/score-model';
import type { PersonStanding } from '../../domain/scope';
import type { RescoringSelection } from '../../workflows/scoring/contract';

/** A timestamp as JSON, exactly as Date#toISOString writes it. */
const ISO_INSTANT = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

export interface OwnScoreFacts {
  standing: PersonStanding;
  /** Whether the person's collection-and-use agreement is in force (Art. 7). */
  agreed: boolean;
  /** Read only when the agreement is in force. */
  scores: StoredScore[];
  records: ScoredRecord[];
  /** The current scores and every one they replaced, newest first. */
  history: { scenario: string; modelId: string; score: number; level: string; computedAt: string }[];
}

/**
 * Everything `GET /me/score` shows, in one prepared statement (the platform's hottest read): the
 * person's standing and agreement, and, only when the agreement is in force, their scores,
 * records and score history. Undefined for a person no agency has shared a record of.
 */
export async function ownScoreFacts(pool: pg.Pool, personId: string): Promise<OwnScoreFacts | undefined> {
  const found = await pool.query<{
    birth_date: string; residency: PersonStanding['residency']; residence_permit_valid_until: string | null; civil_capacity: PersonStanding['civilCapacity'];
    agreed: boolean; scores: StoredScore[] | null; records: ScoredRecord[] | null; history: OwnScoreFacts['history'] | null;
  }>({
    name: 'own-score-facts',
    text: `SELECT p.birth_date, p.residency, p.residence_permit_valid_until, p.civil_capacity, a.agreed,
              CASE WHEN a.agreed THEN (
                SELECT coalesce(json_agg(json_build_object('scenario', s.scenario, 'modelId', s.model_id, 'score', s.score, 'level', s.level,
                         'onDay', s.on_day, 'computedAt', to_char(s.computed_at AT TIME ZONE 'UTC', ${ISO_INSTANT})) ORDER BY s.scenario), '[]')
                FROM scores s WHERE s.person_id = p.id) END AS scores,
              CASE WHEN a.agreed THEN (
                SELECT coalesce(json_agg(json_build_object('id', r.id, 'typeCode', r.type_code, 'category', r.category, 'formedOn', r.formed_on,
                         'status', r.status, 'tier', r.tier, 'details', r.details, 'keptCounting', r.kept_counting_by IS NOT NULL)), '[]')
                FROM records r WHERE r.person_id = p.id) END AS records,
              CASE WHEN a.agreed THEN (
                SELECT coalesce(json_agg(json_build_object('scenario', h.scenario, 'modelId', h.model_id, 'score', h.score, 'level', h.level,
                         'computedAt', to_char(h.computed_at AT TIME ZONE 'UTC', ${ISO_INSTANT})) ORDER BY h.computed_at DESC), '[]')
                FROM (SELECT scenario, model_id, score, level, computed_at FROM scores WHERE person_id = p.id
                      UNION ALL
                      SELECT scenario, model_id, score, level, computed_at FROM score_history WHERE person_id = p.id
                      ORDER BY computed_at DESC LIMIT 200) h) END AS history
       FROM persons p
       CROSS JOIN LATERAL (SELECT agreement_in_force(p.id) AS agreed) a
       WHERE p.id = $1`,
    values: [personId],
  });
  const row = found.rows[0];
  if (!row) return undefined;
  return {
    standing: { birthDate: row.birth_date, residency: row.residency, residencePermitValidUntil: row.residence_permit_valid_until, civilCapacity: row.civil_capacity },
    agreed: row.agreed,
    scores: row.scores ?? [],
    records: row.records ?? [],
    history: row.history ?? [],
  };
}

export interface ModelView {
  id: string;
  scenario: string;
  version: number;
  status: ModelStatus;
  description: string;
  commentUntil: string | null;
  effectiveFrom: string | null;
  /** Who activated it, and how it was adopted (a seeded model says so). */
  activatedBy: string | null;
  adoption: string | null;
}

export async function models(pool: pg.Pool): Promise<ModelView[]> {
  const rows = await pool.query<{
    id: string; scenario: string; version: number; status: ModelStatus; description: string; comment_until: string | null; effective_from: string | null;
    activated_by: string | null; adoption: string | null;
  }>('SELECT id, scenario, version, status, description, comment_until, effective_from, activated_by, adoption FROM score_models ORDER BY scenario, version');
  return rows.rows.map((row) => ({
    id: row.id,
    scenario: row.scenario,
    version: row.version,
    status: row.status,
    description: row.description,
    commentUntil: row.comment_until,
    effectiveFrom: row.effective_from,
    activatedBy: row.activated_by,
    adoption: row.adoption,
  }));
}

export interface DraftUnderComment {
  id: string;
  scenario: string;
  version: number;
  description: string;
  commentFrom: string | null;
  commentUntil: string | null;
  definition: unknown;
  /** What it would change over the city, once computed. */
  impact: { onDay: string; persons: number; matrix: { today: string; draft: string; persons: number }[]; drivers: { typeCode: string; persons: number; moving: number }[] } | null;
}

/** Art. 13: the models under public comment, as anyone may read them: what they score, by how much, for how long. */
export async function modelsUnderComment(pool: pg.Pool): Promise<DraftUnderComment[]> {
  const rows = await pool.query<DraftUnderComment>(
    `SELECT m.id, m.scenario, m.version, m.description, m.comment_from AS "commentFrom", m.comment_until AS "commentUntil", m.definition,
            CASE WHEN i.model_id IS NULL THEN NULL ELSE json_build_object('onDay', i.on_day, 'persons', i.persons, 'matrix', i.matrix, 'drivers', i.drivers) END AS impact
     FROM score_models m LEFT JOIN model_impacts i ON i.model_id = m.id WHERE m.status = 'public-comment' ORDER BY m.scenario, m.version`,
  );
  return rows.rows;
}

export interface ModelCommentRow {
  commentId: string;
  comment: string;
  authorRole: string;
  author: string;
  submittedAt: string;
}

/** The comments on a model, the first first. */
export async function modelComments(pool: pg.Pool, modelId: string): Promise<ModelCommentRow[]> {
  const rows = await pool.query<ModelCommentRow & { submittedAt: Date }>(
    `SELECT id AS "commentId", comment, author_role AS "authorRole", author, submitted_at AS "submittedAt" FROM model_comments WHERE model_id = $1 ORDER BY submitted_at, id`,
    [modelId],
  );
  return rows.rows.map((row) => ({ ...row, submittedAt: row.submittedAt.toISOString() }));
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
