import { WithStartWorkflowOperation } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { activeModels } from '../../db/scores';
import { loadCatalogue } from '../../db/record-store/catalogue';
import { modelCatalogueProblem, modelDefinitionSchema, MODEL_STATUSES } from '../../domain/score-model';
import { scopeOn } from '../../domain/scope';
import { shanghaiDayOf } from '../../domain/working-days';
import { calendarDateSchema } from '../../domain/input';
import {
  nightlyRescoringScheduleId,
  scheduleActivationUpdate,
  scoreModelSummary,
  scoreModelWorkflowId,
  scoreModelWorkflowType,
  type ScoreModelChange,
  type ScoreModelWorkflow,
} from '../../workflows/scoring/contract';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import { requireAgreement } from '../shared/agreement-gate';
import { answerOncePerViewAndDay } from '../shared/read-views';
import type { ApiDependencies } from '../shared/dependencies';
import { dayView, instantView } from '../shared/formats';
import { throughTemporal } from '../workflow-failures';
import { models, ownScoreFacts, rescoringRuns } from './queries';

const scenarioSchema = z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'must be a scenario name such as base or lending');

const breakdownSchema = z.object({
  base: z.number(),
  categories: z.record(z.string(), z.number()),
  lines: z.array(z.object({ recordId: z.string(), typeCode: z.string(), category: z.string(), formedOn: dayView, points: z.number(), countsUntil: dayView.nullable() })),
  caps: z.array(z.object({ kind: z.string(), subject: z.string(), before: z.number(), after: z.number() })),
});

/** Art. 4, 13, 14: persons read their score and its explanation; the institution manages models and rescoring. */
export const scoreRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  /** A score's breakdown makes this the largest hot answer. */
  const answerOnce = answerOncePerViewAndDay();

  /** What `GET /me/score` shows of a person, the day's scope aside: kept in the read views. */
  async function ownScoreView(personId: string) {
    const facts = await ownScoreFacts(deps.pool, personId);
    if (!facts) return undefined;
    return { standing: facts.standing, agreed: facts.agreed, scores: await deps.scores.explain(facts.scores, facts.records), history: facts.history };
  }

  app.get(
    '/me/score',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'My current scores, levels, their breakdown and history (with real-name authentication and an agreement in force, Art. 7)',
        tags: ['persons'],
        response: {
          ...refusals(404),
          200: z.object({
            inScope: z.boolean().describe('whether the person is scored today (Art. 3)'),
            outOfScope: z.array(z.object({ code: z.string(), message: z.string() })).describe('the conditions of Art. 3 the person does not meet today'),
            scores: z.array(
              z.object({ scenario: z.string(), modelId: z.string(), score: z.number(), level: z.string(), onDay: dayView, computedAt: instantView, breakdown: breakdownSchema }),
            ),
            history: z.array(z.object({ scenario: z.string(), modelId: z.string(), score: z.number(), level: z.string(), computedAt: instantView })),
          }),
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const personId = actor.personId!;
      const view = await deps.readViews.read(`own-score/${personId}`, () => ownScoreView(personId), (found) => (found ? { persons: [personId] } : undefined));
      if (!view) throw new ApiError(404, 'not-found', 'No records of this person have been shared yet', 'person');
      await requireAgreement(deps, actor, personId, 'own score', view.agreed);
      await deps.queryLog.personRead(actor, [personId], 'own score and its explanation', 'Art. 15; PIPL art. 24');
      const today = shanghaiDayOf(new Date());
      return answerOnce(reply, view, today, () => {
        const scope = scopeOn(view.standing, today);
        return { inScope: scope.inScope, outOfScope: scope.inScope ? [] : scope.reasons, scores: view.scores, history: view.history };
      });
    },
  );

  const modelView = z.object({
    id: z.string(),
    scenario: z.string(),
    version: z.number(),
    status: z.enum(MODEL_STATUSES),
    description: z.string(),
    commentUntil: dayView.nullable(),
    effectiveFrom: dayView.nullable().describe('the day its activation takes (or took) effect'),
    activatedBy: z.string().nullable(),
    adoption: z.string().nullable().describe('how a model seeded with the platform was adopted'),
  });

  app.get(
    '/models',
    {
      config: { roles: ['institution', 'ndrc', 'supervisor'] },
      schema: { summary: 'Indicator models of every scenario and status', tags: ['models'], response: { 200: z.object({ models: z.array(modelView) }) } },
    },
    async () => {
      return { models: await models(deps.pool) };
    },
  );

  /** A model change is a workflow the caller waits for; its activity's refusal is the answer. */
  function runModelChange(change: ScoreModelChange, workflowId: string) {
    return throughTemporal(
      () =>
        deps.client.workflow.execute<ScoreModelWorkflow>(scoreModelWorkflowType, {
          taskQueue: deps.taskQueue,
          workflowId,
          args: [change],
          staticSummary: scoreModelSummary(change),
        }),
      { message: `No model change ${workflowId}`, field: 'id' },
    );
  }

  app.post(
    '/models',
    {
      config: { roles: ['institution'] },
      schema: {
        summary: 'Draft a new model version of a scenario (Art. 13, 14)',
        tags: ['models'],
        body: z.strictObject({ scenario: scenarioSchema, description: z.string().min(3).max(2000), definition: modelDefinitionSchema }),
        response: { 201: z.object({ modelId: z.string(), status: z.string() }) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const unfit = modelCatalogueProblem(await loadCatalogue(deps.pool), request.body.definition);
      if (unfit) throw new ApiError(400, 'invalid-input', `body.${unfit.field}: ${unfit.message}`, `body.${unfit.field}`);
      const result = await runModelChange({ kind: 'draft', ...request.body, createdBy: actor.subject }, scoreModelWorkflowId(request.body.scenario, 'draft', randomUUID()));
      return reply.status(201).send({ modelId: result.modelId, status: result.status });
    },
  );

  app.post(
    '/models/:id/transitions',
    {
      config: { roles: ['institution', 'ndrc'] },
      schema: {
        summary: 'Put a model to public comment or back to draft, or retire it (the institution); activate it once its comment has ended (NDRC) (Art. 13)',
        description:
          'An activation takes effect on effectiveFrom (default today): today it rescores the scenario before answering (200); on a later day it is scheduled, ' +
          'durably, and answered at once (202), the model showing its effective day. A model is activated only after the last day of its public comment.',
        tags: ['models'],
        params: z.strictObject({ id: z.string().regex(/^[a-z][a-z0-9-]{1,40}-v[0-9]+$/, 'must be a model id such as base-v2') }),
        body: z.strictObject({ to: z.enum(['public-comment', 'active', 'retired', 'draft']), commentUntil: calendarDateSchema.optional(), effectiveFrom: calendarDateSchema.optional() }),
        response: {
          ...refusals(403, 404, 409),
          200: z.object({
            modelId: z.string(),
            status: z.string(),
            rescoring: z.object({ runId: z.string(), due: z.number(), personsScored: z.number(), levelChanges: z.number(), outOfScope: z.number() }).optional(),
          }),
          202: z.object({ modelId: z.string(), status: z.literal('scheduled'), effectiveFrom: dayView, workflowId: z.string() }),
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { to, commentUntil } = request.body;
      // Art. 13: the commissioned institution drafts and consults; NDRC adopts.
      const adopts = to === 'active';
      if (adopts !== (actor.role === 'ndrc')) {
        throw new ApiError(403, 'forbidden', adopts ? 'NDRC activates a model (Art. 13)' : `The commissioned institution puts a model to ${to}, not ${actor.role}`, 'role');
      }
      const today = shanghaiDayOf(new Date());
      if (to === 'public-comment' && !commentUntil) {
        throw new ApiError(400, 'invalid-input', 'body.commentUntil: a public comment needs the end of its comment window (Art. 13)', 'body.commentUntil');
      }
      if (to === 'public-comment' && commentUntil! < today) throw new ApiError(400, 'invalid-input', 'body.commentUntil: the comment window cannot end before today', 'body.commentUntil');
      const effectiveFrom = adopts ? (request.body.effectiveFrom ?? today) : request.body.effectiveFrom;
      if (effectiveFrom !== undefined && effectiveFrom < today) throw new ApiError(400, 'invalid-input', 'body.effectiveFrom: an activation cannot take effect before today', 'body.effectiveFrom');
      const change: ScoreModelChange = { kind: 'transition', modelId: request.params.id, to, ...(commentUntil ? { commentUntil } : {}), ...(effectiveFrom ? { effectiveFrom } : {}), by: actor.subject };
      const workflowId = scoreModelWorkflowId(request.params.id, to, randomUUID());
      if (!adopts) return runModelChange(change, workflowId);
      // An activation answers once it is checked and scheduled, with its refusal or its day; on a
      // later day it is answered at once (202), today once the scenario is rescored (200).
      const startWorkflowOperation = new WithStartWorkflowOperation<ScoreModelWorkflow>(scoreModelWorkflowType, {
        taskQueue: deps.taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'FAIL',
        args: [change],
        staticSummary: scoreModelSummary(change),
      });
      const notFound = { message: `No model change ${workflowId}`, field: 'id' };
      const scheduled = await throughTemporal(() => deps.client.workflow.executeUpdateWithStart(scheduleActivationUpdate, { startWorkflowOperation }), notFound);
      if (scheduled.effectiveFrom <= today) return throughTemporal(async () => (await startWorkflowOperation.workflowHandle()).result(), notFound);
      return reply.status(202).send({ modelId: scheduled.modelId, status: 'scheduled', effectiveFrom: scheduled.effectiveFrom, workflowId });
    },
  );

  app.get(
    '/rescoring/runs',
    {
      config: { roles: ['institution', 'supervisor'] },
      schema: {
        summary: 'Full rescoring runs with their summaries',
        tags: ['rescoring'],
        response: {
          200: z.object({
            runs: z.array(
              z.object({
                id: z.string(),
                onDay: dayView,
                selection: z.enum(['everyone', 'due']).describe('everyone (a model activation, a first night) or the persons due that night'),
                due: z.number().nullable().describe('the persons the run set out to rescore'),
                startedAt: instantView,
                finishedAt: instantView.nullable(),
                personsScored: z.number(),
                levelChanges: z.number(),
                outOfScope: z.number(),
              }),
            ),
            activeModels: z.array(z.string()),
          }),
        },
      },
    },
    async () => {
      const [runs, active] = await Promise.all([rescoringRuns(deps.pool), activeModels(deps.pool)]);
      return { runs, activeModels: active.map((model) => model.id) };
    },
  );

  app.post(
    '/rescoring/schedule/:action',
    {
      config: { roles: ['institution'] },
      schema: {
        summary: 'Run the nightly full rescoring now, or pause / resume its schedule',
        tags: ['rescoring'],
        params: z.strictObject({ action: z.enum(['trigger', 'pause', 'unpause']) }),
        response: { 202: z.object({ scheduleId: z.string(), action: z.string() }), ...refusals(404) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const scheduleId = nightlyRescoringScheduleId(deps.taskQueue);
      const handle = deps.client.schedule.getHandle(scheduleId);
      const { action } = request.params;
      await throughTemporal(
        () => (action === 'trigger' ? handle.trigger() : action === 'pause' ? handle.pause(`paused by ${actor.subject}`) : handle.unpause(`resumed by ${actor.subject}`)),
        { message: `No schedule ${scheduleId}`, field: 'action' },
      );
      return reply.status(202).send({ scheduleId, action });
    },
  );
};
