import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ROLES } from '../../domain/roles';
import { scoreModelSummary, scoreModelWorkflowId, scoreModelWorkflowType, type ScoreModelChange, type ScoreModelWorkflow } from '../../workflows/scoring/contract';
import { actorOf } from '../auth';
import { refusals } from '../errors';
import { csvDocument } from '../shared/csv';
import type { ApiDependencies } from '../shared/dependencies';
import { dayView, instantView } from '../shared/formats';
import { throughTemporal } from '../workflow-failures';
import { modelComments, modelsUnderComment } from './queries';

const modelId = z.strictObject({ id: z.string().regex(/^[a-z][a-z0-9-]{1,40}-v[0-9]+$/, 'must be a model id such as base-v2') });

const commentView = z.object({
  commentId: z.string(),
  comment: z.string(),
  authorRole: z.string(),
  author: z.string().describe("a resident's platform id, or an organisation's subject"),
  submittedAt: instantView,
});

/** Persons by level, from the transition matrix's side ('' is no level yet). */
function tally(matrix: { today: string; draft: string; persons: number }[], side: 'today' | 'draft'): Record<string, number> {
  const levels: Record<string, number> = {};
  for (const cell of matrix) levels[cell[side]] = (levels[cell[side]] ?? 0) + cell.persons;
  return levels;
}

/** Art. 13: a model under public comment is read by anyone and commented on by anyone; NDRC reads and exports the comments. */
export const publicCommentRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.get(
    '/models/public-comment',
    {
      schema: {
        summary: 'The models under public comment, as anyone may read them: the indicators, their points and counting periods, and the comment window (Art. 13)',
        description: "A rule's counting period is its countsForMonths, or else the record type's, as GET /record-types gives it.",
        tags: ['models'],
        security: [],
        response: {
          200: z.object({
            models: z.array(
              z.object({
                id: z.string(),
                scenario: z.string(),
                version: z.number(),
                description: z.string(),
                commentFrom: dayView.nullable(),
                commentUntil: dayView.nullable(),
                definition: z.record(z.string(), z.unknown()),
                impact: z
                  .object({
                    onDay: dayView,
                    persons: z.number().describe('persons in scope, each scored under the draft'),
                    levels: z.object({ today: z.record(z.string(), z.number()), draft: z.record(z.string(), z.number()) }).describe('how many persons hold each level today and would under the draft'),
                    matrix: z.array(z.object({ today: z.string().describe("'' for a person not scored yet"), draft: z.string(), persons: z.number() })),
                    drivers: z.array(z.object({ typeCode: z.string(), persons: z.number(), moving: z.number() })).describe('the rules the draft changes or adds: persons each counts for, and how many of them change level'),
                  })
                  .nullable()
                  .describe('what the draft would change over the whole city, aggregated (Art. 13)'),
              }),
            ),
          }),
        },
      },
    },
    async () => ({
      models: (await modelsUnderComment(deps.pool)).map(({ impact, ...model }) => ({
        ...model,
        definition: model.definition as Record<string, unknown>,
        impact: impact && { ...impact, levels: { today: tally(impact.matrix, 'today'), draft: tally(impact.matrix, 'draft') } },
      })),
    }),
  );

  app.post(
    '/models/:id/comments',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'Comment on a model under public comment, within its comment window (Art. 13): anyone, a resident included',
        tags: ['models'],
        params: modelId,
        body: z.strictObject({ comment: z.string().trim().min(2).max(4000) }),
        response: { 201: z.object({ commentId: z.string(), modelId: z.string() }), ...refusals(404, 409) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const commentId = randomUUID();
      // A resident is named by their platform id, never by the token's subject.
      const author = actor.role === 'person' ? actor.personId! : actor.subject;
      const change: ScoreModelChange = { kind: 'comment', modelId: request.params.id, commentId, comment: request.body.comment, authorRole: actor.role, author };
      await throughTemporal(
        () =>
          deps.client.workflow.execute<ScoreModelWorkflow>(scoreModelWorkflowType, {
            taskQueue: deps.taskQueue,
            workflowId: scoreModelWorkflowId(request.params.id, 'comment', commentId),
            args: [change],
            staticSummary: scoreModelSummary(change),
          }),
        { message: `No model ${request.params.id}`, field: 'id' },
      );
      return reply.status(201).send({ commentId, modelId: request.params.id });
    },
  );

  app.get(
    '/models/:id/comments',
    {
      config: { roles: ['ndrc'] },
      schema: {
        summary: 'The public comments on a model, the first first (Art. 13, NDRC)',
        tags: ['models'],
        params: modelId,
        response: { 200: z.object({ modelId: z.string(), comments: z.array(commentView) }) },
      },
    },
    async (request) => ({ modelId: request.params.id, comments: await modelComments(deps.pool, request.params.id) }),
  );

  app.get(
    '/models/:id/comments.csv',
    {
      config: { roles: ['ndrc'] },
      schema: {
        summary: 'The public comments on a model as CSV, for NDRC to export (Art. 13)',
        tags: ['models'],
        params: modelId,
        response: { 200: { description: 'commentId,submittedAt,authorRole,author,comment', content: { 'text/csv': { schema: z.string() } } } },
      },
    },
    async (request, reply) => {
      const comments = await modelComments(deps.pool, request.params.id);
      const csv = csvDocument(
        ['commentId', 'submittedAt', 'authorRole', 'author', 'comment'],
        comments.map((c) => [c.commentId, c.submittedAt, c.authorRole, c.author, c.comment]),
      );
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="comments-${request.params.id}.csv"`).send(csv);
    },
  );
};
