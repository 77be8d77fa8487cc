import type pg from 'pg';
import { activeModels } from '../../db/scores';
import { draftImpact } from './store';
import { withTransaction } from '../../db/transaction';
import { modelDefinitionSchema, MODEL_TRANSITIONS, type ModelStatus } from '../../domain/score-model';
import { shanghaiDayOf, type LocalDate } from '../../domain/working-days';
import {
  COMMENT_CLOSED,
  COMMENT_PERIOD_OPEN,
  INVALID_MODEL_TRANSITION,
  MODEL_NOT_FOUND,
  type DraftModel,
  type ModelComment,
  type ModelTransition,
} from '../../workflows/scoring/contract';
import { refusal } from '../../workflows/shared/contract';

/** Art. 13: a model under public comment is activated, or takes effect, only after the last day of its comment period. */
function commentEnded(model: { comment_until: LocalDate | null }, onDay: LocalDate): void {
  if (model.comment_until !== null && model.comment_until >= onDay) {
    throw refusal(COMMENT_PERIOD_OPEN, `The public comment runs until ${model.comment_until}: the model can take effect from the day after (Art. 13)`, 'effectiveFrom');
  }
}

/** Art. 13: the lifecycle of indicator models, each step checked against the one before. */
export function createModelActivities({ pool }: { pool: pg.Pool }) {
  return {
    /** A new draft takes the scenario's next version; the id is `{scenario}-v{version}`. */
    async createDraftModel(draft: DraftModel & { requestId: string }): Promise<{ modelId: string; version: number }> {
      return withTransaction(pool, async (db) => {
        // Serialise drafts of one scenario so two never take the same version.
        await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`score-model/${draft.scenario}`]);
        const existing = await db.query<{ id: string; version: number }>(`SELECT id, version FROM score_models WHERE created_by = $1`, [
          `${draft.createdBy} (${draft.requestId})`,
        ]);
        if (existing.rows[0]) return { modelId: existing.rows[0].id, version: existing.rows[0].version };
        const next = await db.query<{ version: number }>('SELECT coalesce(max(version), 0) + 1 AS version FROM score_models WHERE scenario = $1', [draft.scenario]);
        const version = next.rows[0]!.version;
        const modelId = `${draft.scenario}-v${version}`;
        await db.query(
          `INSERT INTO score_models (id, scenario, version, status, definition, description, created_by) VALUES ($1, $2, $3, 'draft', $4, $5, $6)`,
          [modelId, draft.scenario, version, JSON.stringify(draft.definition), draft.description, `${draft.createdBy} (${draft.requestId})`],
        );
        return { modelId, version };
      });
    },

    /**
     * Moves a model along its lifecycle; activating one retires the scenario's active model. A
     * model is activated only once its public comment has ended (Art. 13).
     */
    async transitionModel(transition: ModelTransition): Promise<{ scenario: string; status: ModelStatus }> {
      return withTransaction(pool, async (db) => {
        const current = await db.query<{ scenario: string; status: ModelStatus; comment_until: LocalDate | null }>(
          'SELECT scenario, status, comment_until FROM score_models WHERE id = $1 FOR UPDATE',
          [transition.modelId],
        );
        const model = current.rows[0];
        if (!model) throw refusal(MODEL_NOT_FOUND, `No model ${transition.modelId}`, 'id');
        if (model.status === transition.to) return { scenario: model.scenario, status: model.status };
        if (!MODEL_TRANSITIONS[model.status].includes(transition.to)) {
          throw refusal(INVALID_MODEL_TRANSITION, `A ${model.status} model cannot become ${transition.to} (Art. 13)`, 'to');
        }
        if (transition.to === 'active') commentEnded(model, shanghaiDayOf(new Date()));
        if (transition.to === 'active') {
          await db.query(`UPDATE score_models SET status = 'retired', retired_at = now() WHERE scenario = $1 AND status = 'active'`, [model.scenario]);
        }
        await db.query(
          `UPDATE score_models SET status = $2,
             comment_from = coalesce($3, comment_from), comment_until = coalesce($4, comment_until),
             effective_from = coalesce($5, effective_from),
             activated_at = CASE WHEN $2 = 'active' THEN now() ELSE activated_at END,
             activated_by = CASE WHEN $2 = 'active' THEN $6 ELSE activated_by END,
             retired_at = CASE WHEN $2 = 'retired' THEN now() ELSE retired_at END
           WHERE id = $1`,
          [transition.modelId, transition.to, transition.commentFrom ?? null, transition.commentUntil ?? null, transition.effectiveFrom ?? null, transition.by ?? null],
        );
        return { scenario: model.scenario, status: transition.to };
      });
    },

    /**
     * What a draft put to public comment would change over the whole city today (Art. 13): one
     * statement over every person, aggregated, kept with the model (a retry computes it again).
     */
    async assessDraftImpact(input: { modelId: string }): Promise<{ persons: number; seconds: number }> {
      const found = await pool.query<{ scenario: string; definition: unknown }>('SELECT scenario, definition FROM score_models WHERE id = $1', [input.modelId]);
      const model = found.rows[0];
      if (!model) throw refusal(MODEL_NOT_FOUND, `No model ${input.modelId}`, 'id');
      const [active] = await activeModels(pool, [model.scenario]);
      const started = performance.now();
      const impact = await draftImpact(pool, { draft: modelDefinitionSchema.parse(model.definition), active: active?.definition ?? null, scenario: model.scenario, onDay: shanghaiDayOf(new Date()) });
      const seconds = (performance.now() - started) / 1000;
      await pool.query(
        `INSERT INTO model_impacts (model_id, on_day, persons, matrix, drivers, computed_at, seconds) VALUES ($1, $2, $3, $4, $5, now(), $6)
         ON CONFLICT (model_id) DO UPDATE SET on_day = EXCLUDED.on_day, persons = EXCLUDED.persons, matrix = EXCLUDED.matrix, drivers = EXCLUDED.drivers,
           computed_at = EXCLUDED.computed_at, seconds = EXCLUDED.seconds`,
        [input.modelId, impact.onDay, impact.persons, JSON.stringify(impact.matrix), JSON.stringify(impact.drivers), seconds.toFixed(3)],
      );
      return { persons: impact.persons, seconds };
    },

    /** An activation taking effect on a later day (Art. 13): checked now, and the day recorded for all to see. */
    async scheduleActivation(input: { modelId: string; effectiveFrom: LocalDate }): Promise<{ modelId: string; effectiveFrom: LocalDate }> {
      return withTransaction(pool, async (db) => {
        const current = await db.query<{ status: ModelStatus; comment_until: LocalDate | null }>('SELECT status, comment_until FROM score_models WHERE id = $1 FOR UPDATE', [
          input.modelId,
        ]);
        const model = current.rows[0];
        if (!model) throw refusal(MODEL_NOT_FOUND, `No model ${input.modelId}`, 'id');
        if (model.status !== 'public-comment') throw refusal(INVALID_MODEL_TRANSITION, `A ${model.status} model cannot become active (Art. 13)`, 'to');
        commentEnded(model, input.effectiveFrom);
        await db.query('UPDATE score_models SET effective_from = $2 WHERE id = $1', [input.modelId, input.effectiveFrom]);
        return input;
      });
    },

    /** A comment on a model under public comment, within its comment period (Art. 13). A retry finds it stored. */
    async recordModelComment(input: ModelComment & { at: string }): Promise<void> {
      await withTransaction(pool, async (db) => {
        const current = await db.query<{ status: ModelStatus; comment_until: LocalDate | null }>('SELECT status, comment_until FROM score_models WHERE id = $1 FOR SHARE', [
          input.modelId,
        ]);
        const model = current.rows[0];
        if (!model) throw refusal(MODEL_NOT_FOUND, `No model ${input.modelId}`, 'id');
        const today = shanghaiDayOf(new Date(input.at));
        if (model.status !== 'public-comment' || (model.comment_until !== null && model.comment_until < today)) {
          throw refusal(COMMENT_CLOSED, `${input.modelId} is not open for public comment${model.comment_until ? ` (its comment period ended on ${model.comment_until})` : ''}`, 'id');
        }
        await db.query(
          `INSERT INTO model_comments (id, model_id, comment, author_role, author, submitted_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
          [input.commentId, input.modelId, input.comment, input.authorRole, input.author, input.at],
        );
      });
    },
  };
}

