import { WithStartWorkflowOperation } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { logPersonRead, logRefusedRead } from '../../db/query-log';
import { loadCatalogue } from '../../db/record-types';
import { declarationProblem, declarationSchema } from '../../domain/declaration';
import type { Actor } from '../../domain/roles';
import {
  declarationQuery,
  declarationSummary,
  declarationWorkflowId,
  declarationWorkflowType,
  fileDeclarationUpdate,
  withdrawDeclarationUpdate,
  type DeclarationWorkflow,
} from '../../workflows/declaration/contract';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { dayView, instantView } from '../shared/formats';
import { throughTemporal } from '../workflow-failures';
import { declarationById, declarationsOf, type DeclarationRow } from './queries';

const declarationView = z.object({
  declarationId: z.string(),
  verifierId: z.string(),
  category: z.string(),
  typeCode: z.string(),
  formedOn: dayView,
  evidence: z.array(z.unknown()),
  state: z.enum(['verifying', 'accepted', 'rejected', 'withdrawn', 'failed']),
  recordId: z.string().nullable().describe('the record an accepted declaration became'),
  decisionReasons: z.string().nullable(),
  filedAt: instantView,
  closedAt: instantView.nullable(),
  failure: z.string().nullable().describe('why the process failed, when its state is failed'),
});

const notFound = (declarationId: string) => ({ message: `No declaration ${declarationId}`, field: 'declarationId' });

function shown({ personId: _personId, ...row }: DeclarationRow): z.infer<typeof declarationView> {
  return { ...row, state: row.state as z.infer<typeof declarationView>['state'] };
}

/** Whether the actor may see the declaration: its declarant, the agency verifying it, NDRC and supervisors. */
function maySee(actor: Actor, row: DeclarationRow): boolean {
  if (actor.role === 'person') return row.personId === actor.personId;
  if (actor.role === 'agency') return row.verifierId === actor.agencyId;
  return true;
}

/** Art. 11: persons declare honours and social contribution for the competent agency to verify. */
export const declarationRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.post(
    '/declarations',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'Declare an honour or a social contribution, with proof, for the competent agency to verify (Art. 11)',
        description:
          'The declarant names the agency to verify it and authorizes the verification. A record of the same type formed the same day, ' +
          'already shared or already declared, is refused with its id. The agency verifies through its task inbox.',
        tags: ['declarations'],
        body: declarationSchema,
        response: { 202: z.object({ declarationId: z.string(), workflowId: z.string() }), ...refusals(404, 409, 422) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { authorizeVerification: _authorized, ...declaration } = request.body;
      const unfit = declarationProblem(await loadCatalogue(deps.pool), declaration);
      if (unfit) throw new ApiError(400, 'invalid-input', `body.${unfit.field}: ${unfit.message}`, `body.${unfit.field}`);
      const declarationId = randomUUID();
      const workflowId = declarationWorkflowId(declarationId);
      // Started with its filing, so the answer says whether the declaration could be filed at all:
      // a 202 is a verification that will run to its end.
      await throughTemporal(
        () =>
          deps.client.workflow.executeUpdateWithStart(fileDeclarationUpdate, {
            startWorkflowOperation: new WithStartWorkflowOperation<DeclarationWorkflow>(declarationWorkflowType, {
              taskQueue: deps.taskQueue,
              workflowId,
              workflowIdConflictPolicy: 'FAIL',
              args: [{ declarationId, personId: actor.personId!, declaration, filedBy: actor.subject }],
              staticSummary: declarationSummary(declaration),
            }),
          }),
        notFound(declarationId),
      );
      return reply.status(202).send({ declarationId, workflowId });
    },
  );

  app.get(
    '/declarations',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'My declarations, the latest first (Art. 11)',
        tags: ['declarations'],
        response: { 200: z.object({ declarations: z.array(declarationView) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const declarations = await declarationsOf(deps.pool, actor.personId!);
      await logPersonRead(deps.pool, actor, [actor.personId!], 'own declarations', 'Art. 11');
      return { declarations: declarations.map(shown) };
    },
  );

  app.get(
    '/declarations/:declarationId',
    {
      config: { roles: ['person', 'agency', 'ndrc', 'supervisor'] },
      schema: {
        summary: 'A declaration, its verification and its outcome (Art. 11)',
        tags: ['declarations'],
        params: z.strictObject({ declarationId: z.uuid() }),
        response: { 200: declarationView.extend({ openTaskId: z.string().nullable() }), ...refusals(404) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { declarationId } = request.params;
      const row = await declarationById(deps.pool, declarationId);
      if (row && !maySee(actor, row)) {
        await logRefusedRead(deps.pool, actor, { subject: declarationWorkflowId(declarationId), personIds: [row.personId], purpose: 'a declaration of another' });
      }
      if (!row || !maySee(actor, row)) throw new ApiError(404, 'not-found', `No declaration ${declarationId}`, 'declarationId');
      await logPersonRead(deps.pool, actor, [row.personId], 'a declaration and its verification', 'Art. 11');
      const progress =
        row.state === 'verifying'
          ? await throughTemporal(() => deps.client.workflow.getHandle<DeclarationWorkflow>(declarationWorkflowId(declarationId)).query(declarationQuery), notFound(declarationId))
          : null;
      return { ...shown(row), openTaskId: progress?.openTaskId ?? null };
    },
  );

  app.post(
    '/declarations/:declarationId/withdrawal',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'Withdraw my declaration before the agency decides',
        tags: ['declarations'],
        params: z.strictObject({ declarationId: z.uuid() }),
        response: { 200: z.object({ state: z.string() }), ...refusals(404, 409) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { declarationId } = request.params;
      const row = await declarationById(deps.pool, declarationId);
      if (!row || row.personId !== actor.personId) throw new ApiError(404, 'not-found', `No declaration ${declarationId}`, 'declarationId');
      if (row.state !== 'verifying') throw new ApiError(409, 'declaration-closed', `The declaration is already ${row.state}`, 'declarationId');
      const view = await throughTemporal(
        () =>
          deps.client.workflow
            .getHandle<DeclarationWorkflow>(declarationWorkflowId(declarationId))
            .executeUpdate(withdrawDeclarationUpdate, { args: [{ personId: actor.personId! }] }),
        notFound(declarationId),
      );
      return { state: view.state };
    },
  );
};
