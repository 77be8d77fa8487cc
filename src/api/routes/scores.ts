import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { activeModels, catalogueCounting, recordsToExplain } from '../../db/scoring';
import { logPersonRead } from '../../db/query-log';
import { modelDefinitionSchema, MODEL_STATUSES } from '../../domain/score-model';
import { evaluate } from '../../domain/scoring';
import { localDateSchema } from '../../domain/record';
import { nightlyRescoringScheduleId } from '../../temporal/schedules';
import { scoreModelWorkflow } from '../../workflows/score-model';
import { requireRole } from '../auth';
import { ApiError } from '../errors';
import type { ApiDependencies } from '../server';

const scenarioSchema = z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'must be a scenario name such as base or lending');

const breakdownSchema = z.object({
  base: z.number(),
  categories: z.record(z.string(), z.number()),
  lines: z.array(z.object({ recordId: z.string(), typeCode: z.string(), category: z.string(), formedOn: z.string(), points: z.number(), countsUntil: z.string().nullable() })),
  caps: z.array(z.object({ kind: z.string(), subject: z.string(), before: z.number(), after: z.number() })),
});

/** Art. 4, 13, 14: persons read their score and its explanation; the institution manages models and rescoring. */
export const scoreRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.get(
    '/me/score',
    {
      schema: {
        summary: 'My current scores, levels, their breakdown and history',
        tags: ['persons'],
        response: {
          200: z.object({
            inScope: z.boolean(),
            scores: z.array(
              z.object({ scenario: z.string(), modelId: z.string(), score: z.number(), level: z.string(), onDay: z.string(), computedAt: z.string(), breakdown: breakdownSchema }),
            ),
            history: z.array(z.object({ scenario: z.string(), modelId: z.string(), score: z.number(), level: z.string(), computedAt: z.string() })),
          }),
        },
      },
    },
    async (request) => {
      const actor = requireRole(request.actor, ['person']);
      const personId = actor.personId!;
      const [scores, history, records, models, catalogue] = await Promise.all([
        deps.pool.query<{ scenario: string; model_id: string; score: number; level: string; on_day: string; computed_at: Date }>(
          'SELECT scenario, model_id, score, level, on_day, computed_at FROM scores WHERE person_id = $1 ORDER BY scenario',
          [personId],
        ),
        deps.pool.query<{ scenario: string; model_id: string; score: number; level: string; computed_at: Date }>(
          'SELECT scenario, model_id, score, level, computed_at FROM score_history WHERE person_id = $1 ORDER BY computed_at DESC LIMIT 200',
          [personId],
        ),
        recordsToExplain(deps.pool, personId),
        deps.pool.query<{ id: string; definition: unknown }>('SELECT id, definition FROM score_models'),
        catalogueCounting(deps.pool),
      ]);
      await logPersonRead(deps.pool, actor, [personId], 'own score and its explanation', 'Art. 15; PIPL art. 24');
      const definitions = new Map(models.rows.map((row) => [row.id, modelDefinitionSchema.parse(row.definition)]));
      return {
        inScope: scores.rows.length > 0,
        scores: scores.rows.map((row) => {
          // The breakdown is recomputed deterministically from the model version and the day the score names.
          const evaluation = evaluate(definitions.get(row.model_id)!, catalogue, records, row.on_day);
          return {
            scenario: row.scenario,
            modelId: row.model_id,
            score: row.score,
            level: row.level,
            onDay: row.on_day,
            computedAt: row.computed_at.toISOString(),
            breakdown: { base: evaluation.base, categories: evaluation.categories, lines: evaluation.lines, caps: evaluation.caps },
          };
        }),
        history: history.rows.map((row) => ({ scenario: row.scenario, modelId: row.model_id, score: row.score, level: row.level, computedAt: row.computed_at.toISOString() })),
      };
    },
  );

  const modelView = z.object({
    id: z.string(),
    scenario: z.string(),
    version: z.number(),
    status: z.enum(MODEL_STATUSES),
    description: z.string(),
    commentUntil: z.string().nullable(),
    effectiveFrom: z.string().nullable(),
  });

  app.get(
    '/models',
    { schema: { summary: 'Indicator models of every scenario and status', tags: ['models'], response: { 200: z.object({ models: z.array(modelView) }) } } },
    async (request) => {
      requireRole(request.actor, ['institution', 'ndrc', 'supervisor']);
      const rows = await deps.pool.query<{ id: string; scenario: string; version: number; status: (typeof MODEL_STATUSES)[number]; description: string; comment_until: string | null; effective_from: string | null }>(
        'SELECT id, scenario, version, status, description, comment_until, effective_from FROM score_models ORDER BY scenario, version',
      );
      return {
        models: rows.rows.map((row) => ({
          id: row.id,
          scenario: row.scenario,
          version: row.version,
          status: row.status,
          description: row.description,
          commentUntil: row.comment_until,
          effectiveFrom: row.effective_from,
        })),
      };
    },
  );

  async function runModelChange(change: Parameters<typeof scoreModelWorkflow>[0], workflowId: string) {
    try {
      return await deps.client.workflow.execute(scoreModelWorkflow, { taskQueue: deps.taskQueue, workflowId, args: [change] });
    } catch (error) {
      // The workflow fails because its activity did: the refusal is the activity's own failure.
      const failure = error instanceof WorkflowFailedError ? error.cause : undefined;
      const cause = failure instanceof ActivityFailure ? failure.cause : failure;
      if (cause instanceof ApplicationFailure && cause.type === 'ModelNotFound') throw new ApiError(404, 'not-found', cause.message, 'id');
      if (cause instanceof ApplicationFailure && cause.type === 'InvalidModelTransition') throw new ApiError(409, 'invalid-transition', cause.message, 'body.to');
      throw error;
    }
  }

  app.post(
    '/models',
    {
      schema: {
        summary: 'Draft a new model version of a scenario (Art. 13, 14)',
        tags: ['models'],
        body: z.object({ scenario: scenarioSchema, description: z.string().min(3).max(2000), definition: modelDefinitionSchema }),
        response: { 201: z.object({ modelId: z.string(), status: z.string() }) },
      },
    },
    async (request, reply) => {
      const actor = requireRole(request.actor, ['institution']);
      const result = await runModelChange({ kind: 'draft', ...request.body, createdBy: actor.subject }, `score-model/${request.body.scenario}/draft-${randomUUID()}`);
      return reply.status(201).send({ modelId: result.modelId, status: result.status });
    },
  );

  app.post(
    '/models/:id/transitions',
    {
      schema: {
        summary: 'Put a model to public comment, activate it (rescoring its scenario) or retire it',
        tags: ['models'],
        params: z.object({ id: z.string().regex(/^[a-z][a-z0-9-]{1,40}-v[0-9]+$/, 'must be a model id such as base-v2') }),
        body: z.object({ to: z.enum(['public-comment', 'active', 'retired', 'draft']), commentUntil: localDateSchema.optional(), effectiveFrom: localDateSchema.optional() }),
        response: {
          200: z.object({
            modelId: z.string(),
            status: z.string(),
            rescoring: z.object({ runId: z.string(), personsScored: z.number(), levelChanges: z.number(), outOfScope: z.number() }).optional(),
          }),
        },
      },
    },
    async (request) => {
      requireRole(request.actor, ['institution']);
      if (request.body.to === 'public-comment' && !request.body.commentUntil) {
        throw new ApiError(400, 'invalid-input', 'body.commentUntil: a public comment needs the end of its comment window (Art. 13)', 'body.commentUntil');
      }
      return runModelChange(
        { kind: 'transition', modelId: request.params.id, ...request.body },
        `score-model/${request.params.id}/${request.body.to}-${randomUUID()}`,
      );
    },
  );

  app.get(
    '/rescoring/runs',
    {
      schema: {
        summary: 'Full rescoring runs with their summaries',
        tags: ['rescoring'],
        response: {
          200: z.object({
            runs: z.array(z.object({ id: z.string(), onDay: z.string(), startedAt: z.string(), finishedAt: z.string().nullable(), personsScored: z.number(), levelChanges: z.number(), outOfScope: z.number() })),
            activeModels: z.array(z.string()),
          }),
        },
      },
    },
    async (request) => {
      requireRole(request.actor, ['institution', 'supervisor']);
      const [runs, models] = await Promise.all([
        deps.pool.query<{ id: string; on_day: string; started_at: Date; finished_at: Date | null; persons_scored: string; level_changes: string; out_of_scope: string }>(
          'SELECT * FROM rescoring_runs ORDER BY started_at DESC LIMIT 100',
        ),
        activeModels(deps.pool),
      ]);
      return {
        runs: runs.rows.map((row) => ({
          id: row.id,
          onDay: row.on_day,
          startedAt: row.started_at.toISOString(),
          finishedAt: row.finished_at?.toISOString() ?? null,
          personsScored: Number(row.persons_scored),
          levelChanges: Number(row.level_changes),
          outOfScope: Number(row.out_of_scope),
        })),
        activeModels: models.map((model) => model.id),
      };
    },
  );

  app.post(
    '/rescoring/schedule/:action',
    {
      schema: {
        summary: 'Run the nightly full rescoring now, or pause / resume its schedule',
        tags: ['rescoring'],
        params: z.object({ action: z.enum(['trigger', 'pause', 'unpause']) }),
        response: { 202: z.object({ scheduleId: z.string(), action: z.string() }) },
      },
    },
    async (request, reply) => {
      const actor = requireRole(request.actor, ['institution']);
      const scheduleId = nightlyRescoringScheduleId(deps.taskQueue);
      const handle = deps.client.schedule.getHandle(scheduleId);
      const { action } = request.params;
      if (action === 'trigger') await handle.trigger();
      else if (action === 'pause') await handle.pause(`paused by ${actor.subject}`);
      else await handle.unpause(`resumed by ${actor.subject}`);
      return reply.status(202).send({ scheduleId, action });
    },
  );
};
