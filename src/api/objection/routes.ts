import { WithStartWorkflowOperation } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sharerOfRecord } from '../../db/record-store/lookups';
import { pastDateSchema } from '../../domain/input';
import { evidenceSchema } from '../../domain/record';
import {
  fileObjectionUpdate,
  objectionQuery,
  objectionSummary,
  objectionWorkflowId,
  objectionWorkflowType,
  withdrawObjectionUpdate,
  type ObjectionTarget,
  type ObjectionWorkflow,
} from '../../workflows/objection/contract';
import { actorOf } from '../auth';
import { applicantAct } from '../shared/applicant-act';
import { ApiError, refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { dayView } from '../shared/formats';
import { throughTemporal } from '../workflow-failures';
import { objectionById } from './queries';

/** Art. 20: persons file objections to a record or to their score; NDRC may register one received on paper. */
export const objectionRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.post(
    '/objections',
    {
      config: { roles: ['person', 'ndrc'] },
      schema: {
        summary: 'File an objection to one of my records or to my score (Art. 20)',
        description: 'A person files for themself. NDRC may register an objection it received earlier (personId and receivedOn), e.g. on paper.',
        tags: ['objections'],
        body: z.strictObject({
          target: z.enum(['record', 'score']),
          recordId: z.uuid().optional(),
          humanReview: z.boolean().optional().describe('with target score: a human review of the automated score (PIPL art. 24), named as such'),
          reason: z.string().min(3).max(4000),
          evidence: evidenceSchema,
          personId: z.uuid().optional(),
          receivedOn: pastDateSchema.optional(),
        }),
        response: { 202: z.object({ objectionId: z.string(), workflowId: z.string() }), ...refusals(404, 409) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const body = request.body;
      const personId = actor.role === 'person' ? actor.personId! : body.personId;
      if (!personId) throw new ApiError(400, 'invalid-input', 'body.personId: NDRC registers an objection for a named person', 'body.personId');
      // A person files for themself: naming anyone, themself included, is refused rather than ignored.
      if (actor.role === 'person' && body.personId) throw new ApiError(400, 'invalid-input', 'body.personId: a person files for themself; only NDRC names the person', 'body.personId');
      if (actor.role === 'person' && body.receivedOn) throw new ApiError(400, 'invalid-input', 'body.receivedOn: receipt is the day NDRC receives the objection', 'body.receivedOn');
      if (body.target === 'record' && !body.recordId) throw new ApiError(400, 'invalid-input', 'body.recordId: an objection to a record names it', 'body.recordId');
      if (body.humanReview && body.target !== 'score') throw new ApiError(400, 'invalid-input', 'body.humanReview: a human review is of the score (PIPL art. 24)', 'body.humanReview');
      const objectionId = randomUUID();
      const workflowId = objectionWorkflowId(objectionId);
      const target: ObjectionTarget = body.target === 'record' ? { kind: 'record', recordId: body.recordId! } : { kind: 'score', ...(body.humanReview ? { humanReview: true } : {}) };
      const sharerId = target.kind === 'record' ? await sharerOfRecord(deps.pool, target.recordId, personId) : undefined;
      // Started with its filing, so the answer says whether the objection could be filed at all
      // (an unknown person or record, an objection already open on the record): a 202 is a
      // process that will run to its end.
      await throughTemporal(
        () =>
          deps.client.workflow.executeUpdateWithStart(fileObjectionUpdate, {
            startWorkflowOperation: new WithStartWorkflowOperation<ObjectionWorkflow>(objectionWorkflowType, {
              taskQueue: deps.taskQueue,
              workflowId,
              workflowIdConflictPolicy: 'FAIL',
              args: [
                {
                  objectionId,
                  personId,
                  target,
                  reason: body.reason,
                  evidence: body.evidence,
                  ...(body.receivedOn ? { receivedOn: body.receivedOn } : {}),
                  filedBy: actor.subject,
                },
              ],
              staticSummary: objectionSummary(target, sharerId),
            }),
          }),
        { message: `No objection ${objectionId}`, field: 'objectionId' },
      );
      return reply.status(202).send({ objectionId, workflowId });
    },
  );

  app.get(
    '/objections/:objectionId',
    {
      config: { roles: ['person', 'ndrc', 'supervisor'] },
      schema: {
        summary: 'An objection, its state and outcome',
        tags: ['objections'],
        params: z.strictObject({ objectionId: z.uuid() }),
        response: {
          ...refusals(404),
          200: z.object({
            objectionId: z.string(),
            target: z.string(),
            humanReview: z.boolean().describe('a human review of the automated score (PIPL art. 24)'),
            recordId: z.string().nullable(),
            state: z.string(),
            path: z.string().nullable(),
            outcome: z.string().nullable(),
            outcomeReasons: z.string().nullable(),
            receivedOn: dayView,
            changed: z
              .object({ recordId: z.string(), typeCode: z.string(), version: z.number(), status: z.string() })
              .nullable()
              .describe('what the outcome changed: the record (for an objection to the score, the one corrected), its type, its new version and status'),
            failure: z.string().nullable().describe('why the process failed, when its state is failed'),
            progress: z.object({ state: z.string(), openTaskId: z.string().nullable() }).nullable(),
          }),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { objectionId } = request.params;
      const row = await objectionById(deps.pool, objectionId);
      if (row && actor.role === 'person' && row.personId !== actor.personId) {
        await deps.queryLog.refusedRead(actor, { subject: objectionWorkflowId(objectionId), personIds: [row.personId], purpose: "another person's objection" });
      }
      if (!row || (actor.role === 'person' && row.personId !== actor.personId)) throw new ApiError(404, 'not-found', `No objection ${objectionId}`, 'objectionId');
      await deps.queryLog.personRead(actor, [row.personId], 'an objection and its progress', 'Art. 20');
      // A closed objection's progress is its row; an open one's, where its workflow stands now.
      const progress =
        row.state === 'open'
          ? await throughTemporal(() => deps.client.workflow.getHandle<ObjectionWorkflow>(objectionWorkflowId(objectionId)).query(objectionQuery), {
              message: `No objection ${objectionId}`,
              field: 'objectionId',
            })
          : null;
      const { personId: _personId, ...view } = row;
      return { objectionId, ...view, progress: progress && { state: progress.state, openTaskId: progress.openTaskId } };
    },
  );

  app.post(
    '/objections/:objectionId/withdrawal',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'Withdraw my objection before a decision',
        tags: ['objections'],
        params: z.strictObject({ objectionId: z.uuid() }),
        response: { 200: z.object({ state: z.string() }), ...refusals(404, 409) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { objectionId } = request.params;
      const row = await objectionById(deps.pool, objectionId);
      const stored = row && { ...row, open: row.state === 'open' };
      return applicantAct(actor, { id: objectionId, field: 'objectionId', noun: 'objection', closedCode: 'objection-closed', stored }, () =>
        deps.client.workflow.getHandle<ObjectionWorkflow>(objectionWorkflowId(objectionId)).executeUpdate(withdrawObjectionUpdate, { args: [{ personId: actor.personId! }] }),
      );
    },
  );
};
