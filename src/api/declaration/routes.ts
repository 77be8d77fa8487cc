import { WithStartWorkflowOperation } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { loadCatalogue } from '../../db/record-store/catalogue';
import { declarationProblem, declarationSchema, issuerOf } from '../../domain/declaration';
import { ROLES, type Actor } from '../../domain/roles';
import {
  declarationQuery,
  declarationRouteSummary,
  declarationRouteWorkflowId,
  declarationRouteWorkflowType,
  declarationSummary,
  declarationWorkflowId,
  declarationWorkflowType,
  fileDeclarationUpdate,
  withdrawDeclarationUpdate,
  type DeclarationRouteWorkflow,
  type DeclarationWorkflow,
} from '../../workflows/declaration/contract';
import { actorOf } from '../auth';
import { applicantAct } from '../shared/applicant-act';
import { ApiError, refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { dayView, instantView } from '../shared/formats';
import { throughTemporal } from '../workflow-failures';
import { declarationById, declarationRouteRows, declarationsOf, verifierFor, type DeclarationRow } from './queries';

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

const routeView = z.object({
  typeCode: z.string(),
  issuer: z.string().describe("the issuer this route is for, '' for any issuer the type has no route of its own for"),
  agencyId: z.string().describe('the competent agency that verifies'),
  setBy: z.string(),
  setAt: instantView,
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
          'The declarant authorizes the verification; the platform routes the declaration to the competent agency by its type and issuer ' +
          '(details.awardedBy, organisation or recipient), as NDRC set in /declaration-routes, and refuses it with no-verifier when no route fits. ' +
          'A record of the same type formed the same day, already shared or already declared, is refused with its id. The agency verifies through its task inbox.',
        tags: ['declarations'],
        body: declarationSchema,
        response: { 202: z.object({ declarationId: z.string(), workflowId: z.string() }), ...refusals(404, 409, 422) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { authorizeVerification: _authorized, ...declared } = request.body;
      const unfit = declarationProblem(await loadCatalogue(deps.pool), declared);
      if (unfit) throw new ApiError(400, 'invalid-input', `body.${unfit.field}: ${unfit.message}`, `body.${unfit.field}`);
      const verifierId = await verifierFor(deps.pool, declared.typeCode, issuerOf(declared.details));
      if (!verifierId) {
        throw new ApiError(422, 'no-verifier', `No competent agency verifies declarations of ${declared.typeCode} yet: NDRC has set no route for it (Art. 11)`, 'body.typeCode');
      }
      const declaration = { ...declared, verifierId };
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

  app.put(
    '/declaration-routes/:typeCode',
    {
      config: { roles: ['ndrc'] },
      schema: {
        summary: 'Name the competent agency that verifies declarations of a type, for one issuer or any (Art. 11, NDRC)',
        description:
          "With an issuer (an honour's awarding body, the organisation served, the charity, as a declaration's details name it) the route is that issuer's; " +
          "without, it is the type's route for any other issuer. Setting a route again replaces it for declarations filed from then on.",
        tags: ['declarations'],
        params: z.strictObject({ typeCode: declarationSchema.shape.typeCode }),
        body: z.strictObject({
          issuer: z.string().trim().max(200).default('').describe("the issuer as declarations name it; '' (the default) for any issuer"),
          agencyId: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be the id of a registered public agency'),
        }),
        response: { 200: routeView.extend({ workflowId: z.string() }), ...refusals(422) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const route = { typeCode: request.params.typeCode, ...request.body, setBy: actor.subject };
      const workflowId = declarationRouteWorkflowId(randomUUID());
      const set = await throughTemporal(
        () =>
          deps.client.workflow.execute<DeclarationRouteWorkflow>(declarationRouteWorkflowType, {
            taskQueue: deps.taskQueue,
            workflowId,
            args: [route],
            staticSummary: declarationRouteSummary(route.typeCode),
          }),
        { message: `No route for ${route.typeCode}`, field: 'typeCode' },
      );
      return { ...set, workflowId };
    },
  );

  app.get(
    '/declaration-routes',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'Which agency verifies declarations of each type and issuer (Art. 11)',
        tags: ['declarations'],
        response: { 200: z.object({ routes: z.array(routeView) }) },
      },
    },
    async () => ({ routes: await declarationRouteRows(deps.pool) }),
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
      await deps.queryLog.personRead(actor, [actor.personId!], 'own declarations', 'Art. 11');
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
        await deps.queryLog.refusedRead(actor, { subject: declarationWorkflowId(declarationId), personIds: [row.personId], purpose: 'a declaration of another' });
      }
      if (!row || !maySee(actor, row)) throw new ApiError(404, 'not-found', `No declaration ${declarationId}`, 'declarationId');
      await deps.queryLog.personRead(actor, [row.personId], 'a declaration and its verification', 'Art. 11');
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
      const stored = row && { ...row, open: row.state === 'verifying' };
      return applicantAct(actor, { id: declarationId, field: 'declarationId', noun: 'declaration', closedCode: 'declaration-closed', stored }, () =>
        deps.client.workflow.getHandle<DeclarationWorkflow>(declarationWorkflowId(declarationId)).executeUpdate(withdrawDeclarationUpdate, { args: [{ personId: actor.personId! }] }),
      );
    },
  );
};
