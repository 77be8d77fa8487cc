import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { evidenceSchema, localDateSchema } from '../../domain/record';
import { shanghaiDayOf } from '../../domain/working-days';
import { objectionQuery, objectionWorkflow, withdrawObjectionUpdate } from '../../workflows/objection';
import { requireRole } from '../auth';
import { ApiError } from '../errors';
import type { ApiDependencies } from '../server';


/** Art. 20: persons file objections to a record or to their score; NDRC may register one received on paper. */
export const objectionRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.post(
    '/objections',
    {
      schema: {
        summary: 'File an objection to one of my records or to my score (Art. 20)',
        description: 'A person files for themself. NDRC may register an objection it received earlier (personId and receivedOn), e.g. on paper.',
        tags: ['objections'],
        body: z.object({
          target: z.enum(['record', 'score']),
          recordId: z.uuid().optional(),
          reason: z.string().min(3).max(4000),
          evidence: evidenceSchema,
          personId: z.uuid().optional(),
          receivedOn: localDateSchema.optional(),
        }),
        response: { 202: z.object({ objectionId: z.string(), workflowId: z.string() }) },
      },
    },
    async (request, reply) => {
      const actor = requireRole(request.actor, ['person', 'ndrc']);
      const body = request.body;
      const personId = actor.role === 'person' ? actor.personId! : body.personId;
      if (!personId) throw new ApiError(400, 'invalid-input', 'body.personId: NDRC registers an objection for a named person', 'body.personId');
      if (actor.role === 'person' && body.receivedOn) throw new ApiError(400, 'invalid-input', 'body.receivedOn: receipt is the day NDRC receives the objection', 'body.receivedOn');
      if (body.receivedOn && body.receivedOn > shanghaiDayOf(new Date())) throw new ApiError(400, 'invalid-input', 'body.receivedOn: must not be in the future', 'body.receivedOn');
      if (body.target === 'record') {
        if (!body.recordId) throw new ApiError(400, 'invalid-input', 'body.recordId: an objection to a record names it', 'body.recordId');
        const record = await deps.pool.query<{ disputed_by: string | null }>('SELECT disputed_by FROM records WHERE id = $1 AND person_id = $2', [body.recordId, personId]);
        if (!record.rows[0]) throw new ApiError(404, 'not-found', `No record ${body.recordId} of this person`, 'body.recordId');
        if (record.rows[0].disputed_by) {
          throw new ApiError(409, 'objection-open', `The record already has an open objection: ${record.rows[0].disputed_by}`, 'body.recordId');
        }
      }
      const objectionId = randomUUID();
      const workflowId = `objection/${objectionId}`;
      await deps.client.workflow.start(objectionWorkflow, {
        taskQueue: deps.taskQueue,
        workflowId,
        args: [
          {
            objectionId,
            personId,
            target: body.target === 'record' ? { kind: 'record', recordId: body.recordId! } : { kind: 'score' },
            reason: body.reason,
            evidence: body.evidence,
            ...(body.receivedOn ? { receivedOn: body.receivedOn } : {}),
            filedBy: actor.subject,
          },
        ],
      });
      return reply.status(202).send({ objectionId, workflowId });
    },
  );

  app.get(
    '/objections/:objectionId',
    {
      schema: {
        summary: 'An objection, its state and outcome',
        tags: ['objections'],
        params: z.object({ objectionId: z.uuid() }),
        response: {
          200: z.object({
            objectionId: z.string(),
            target: z.string(),
            recordId: z.string().nullable(),
            state: z.string(),
            path: z.string().nullable(),
            outcome: z.string().nullable(),
            outcomeReasons: z.string().nullable(),
            receivedOn: z.string(),
            progress: z.object({ state: z.string(), openTaskId: z.string().nullable(), openObjectionId: z.string().nullable() }).nullable(),
          }),
        },
      },
    },
    async (request) => {
      const actor = requireRole(request.actor, ['person', 'ndrc', 'supervisor']);
      const found = await deps.pool.query<{ person_id: string; target: string; record_id: string | null; state: string; path: string | null; outcome: string | null; outcome_reasons: string | null; received_on: string }>(
        'SELECT * FROM objections WHERE id = $1',
        [request.params.objectionId],
      );
      const row = found.rows[0];
      if (!row || (actor.role === 'person' && row.person_id !== actor.personId)) throw new ApiError(404, 'not-found', `No objection ${request.params.objectionId}`, 'objectionId');
      const progress = await deps.client.workflow
        .getHandle(`objection/${request.params.objectionId}`)
        .query(objectionQuery)
        .catch(() => null);
      return {
        objectionId: request.params.objectionId,
        target: row.target,
        recordId: row.record_id,
        state: row.state,
        path: row.path,
        outcome: row.outcome,
        outcomeReasons: row.outcome_reasons,
        receivedOn: row.received_on,
        progress: progress ? { state: progress.state, openTaskId: progress.openTaskId, openObjectionId: progress.openObjectionId } : null,
      };
    },
  );

  app.post(
    '/objections/:objectionId/withdrawal',
    {
      schema: {
        summary: 'Withdraw my objection before a decision',
        tags: ['objections'],
        params: z.object({ objectionId: z.uuid() }),
        response: { 200: z.object({ state: z.string() }) },
      },
    },
    async (request) => {
      const actor = requireRole(request.actor, ['person']);
      try {
        const view = await deps.client.workflow.getHandle(`objection/${request.params.objectionId}`).executeUpdate(withdrawObjectionUpdate, { args: [{ personId: actor.personId! }] });
        return { state: view.state };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw new ApiError(409, 'objection-closed', 'The objection is already decided or withdrawn', 'objectionId');
        if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) throw new ApiError(409, 'objection-refused', error.cause.message, 'objectionId');
        throw error;
      }
    },
  );
};
