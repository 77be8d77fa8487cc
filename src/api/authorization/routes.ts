import { WithStartWorkflowOperation } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { MAX_AUTHORIZATION_DAYS, purposeCodeSchema } from '../../domain/authorization';
import { timestampSchema } from '../../domain/input';
import type { Actor } from '../../domain/roles';
import {
  authorizationSummary,
  authorizationWorkflowId,
  authorizationWorkflowType,
  grantAuthorizationUpdate,
  revokeAuthorizationUpdate,
  type AuthorizationWorkflow,
} from '../../workflows/authorization/contract';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import { requireAgreement } from '../shared/agreement-gate';
import type { ApiDependencies } from '../shared/dependencies';
import { instantView } from '../shared/formats';
import { organisationOf } from '../shared/organisations';
import { throughTemporal } from '../workflow-failures';
import { authorizationById, authorizationsOf, authorizedQueryFacts, type AuthorizationRow } from './queries';

const authorizationView = z.object({
  authorizationId: z.string(),
  requesterId: z.string(),
  purpose: z.string(),
  scenario: z.string(),
  validUntil: instantView,
  grantedAt: instantView,
  state: z.enum(['active', 'expired', 'revoked']),
  endedAt: instantView.nullable(),
});

const shown = ({ personId: _personId, ...row }: AuthorizationRow) => row;
const notFound = (authorizationId: string) => ({ message: `No authorization ${authorizationId}`, field: 'authorizationId' });

/** Refuses a requester's query, registering the refusal (Art. 22) with whose data it was about. */
async function refuse(deps: ApiDependencies, actor: Actor, row: AuthorizationRow, status: number, code: string, message: string, field: string): Promise<never> {
  await deps.queryLog.refusedRead(actor, { subject: authorizationWorkflowId(row.authorizationId), personIds: [row.personId], purpose: `${code}: ${message}` });
  throw new ApiError(status, code, message, field);
}

/** Art. 15, 18: persons authorize requesters; requesters read what the authorized purpose needs, nothing more. */
export const authorizationRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.post(
    '/me/authorizations',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'Authorize a registered requester to read what one purpose needs of one scenario, until a time (Art. 15, 18)',
        description:
          'The purpose is one of the catalogue NDRC publishes (GET /purposes: what each reads and discloses), the scenario one it reads, and the requester one registered for it. ' +
          `At most ${MAX_AUTHORIZATION_DAYS} days. Needs the collection-and-use agreement in force (Art. 7). Ends by itself at validUntil; revocable at once.`,
        tags: ['authorizations'],
        body: z.strictObject({
          requesterId: z.string().min(1).max(63),
          purpose: purposeCodeSchema,
          scenario: z.string().min(1).max(40),
          validUntil: timestampSchema,
        }),
        response: { 201: z.object({ authorizationId: z.string(), workflowId: z.string(), validUntil: instantView }), ...refusals(404, 422) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { purpose, validUntil } = request.body;
      const ends = Date.parse(validUntil);
      if (ends <= Date.now()) throw new ApiError(400, 'invalid-input', 'body.validUntil: must be in the future', 'body.validUntil');
      if (ends > Date.now() + MAX_AUTHORIZATION_DAYS * 86_400_000) {
        throw new ApiError(400, 'invalid-input', `body.validUntil: an authorization runs at most ${MAX_AUTHORIZATION_DAYS} days`, 'body.validUntil');
      }
      const authorizationId = randomUUID();
      const workflowId = authorizationWorkflowId(authorizationId);
      const until = new Date(ends).toISOString();
      await throughTemporal(
        () =>
          deps.client.workflow.executeUpdateWithStart(grantAuthorizationUpdate, {
            startWorkflowOperation: new WithStartWorkflowOperation<AuthorizationWorkflow>(authorizationWorkflowType, {
              taskQueue: deps.taskQueue,
              workflowId,
              workflowIdConflictPolicy: 'FAIL',
              args: [{ authorizationId, personId: actor.personId!, ...request.body, validUntil: until, grantedBy: actor.subject }],
              staticSummary: authorizationSummary(request.body.requesterId, purpose),
            }),
          }),
        notFound(authorizationId),
      );
      return reply.status(201).send({ authorizationId, workflowId, validUntil: until });
    },
  );

  app.get(
    '/me/authorizations',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'The authorizations I granted, the latest first (Art. 15)',
        tags: ['authorizations'],
        response: { 200: z.object({ authorizations: z.array(authorizationView) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const authorizations = await authorizationsOf(deps.pool, actor.personId!);
      await deps.queryLog.personRead(actor, [actor.personId!], 'own authorizations', 'Art. 15');
      return { authorizations: authorizations.map(shown) };
    },
  );

  app.post(
    '/me/authorizations/:authorizationId/revocation',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'Revoke an authorization at once: from the answer on, no query under it is answered',
        tags: ['authorizations'],
        params: z.strictObject({ authorizationId: z.uuid() }),
        response: { 200: z.object({ state: z.string() }), ...refusals(404, 409) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { authorizationId } = request.params;
      const row = await authorizationById(deps.pool, authorizationId);
      if (!row || row.personId !== actor.personId) throw new ApiError(404, 'not-found', `No authorization ${authorizationId}`, 'authorizationId');
      if (row.state !== 'active') throw new ApiError(409, 'authorization-closed', `The authorization is already ${row.state}`, 'authorizationId');
      const view = await throughTemporal(
        () =>
          deps.client.workflow
            .getHandle<AuthorizationWorkflow>(authorizationWorkflowId(authorizationId))
            .executeUpdate(revokeAuthorizationUpdate, { args: [{ personId: actor.personId! }] }),
        notFound(authorizationId),
      );
      return { state: view.state };
    },
  );

  app.get(
    '/authorized-scores/:authorizationId',
    {
      config: { roles: ['requester'] },
      schema: {
        summary: "A requester reads a person's score under their authorization: only what the purpose needs (Art. 15, 18)",
        description:
          'The authorization, its purpose and its scenario are checked before anything is read, and the person must have the agreement in force (Art. 7). ' +
          'What the purpose discloses now (GET /purposes): for lending, the lending score and level. Never the records. A purpose withdrawn, or a requester no longer registered for it, is refused. ' +
          'Every query, answered or refused, is registered (Art. 22).',
        tags: ['authorizations'],
        params: z.strictObject({ authorizationId: z.uuid() }),
        querystring: z.strictObject({ purpose: purposeCodeSchema, scenario: z.string().min(1).max(40) }),
        response: {
          200: z.object({
            authorizationId: z.string(),
            purpose: z.string(),
            scenario: z.string(),
            score: z.number().optional().describe('only when the purpose discloses it (lending)'),
            level: z.string().optional().describe('only when the purpose discloses it'),
            computedAt: instantView,
          }),
          ...refusals(404),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { authorizationId } = request.params;
      const { purpose, scenario } = request.query;
      const facts = await deps.readViews.read(
        `authorized-query/${authorizationId}/${actor.agencyId}/${purpose}/${scenario}`,
        () => authorizedQueryFacts(deps.pool, { authorizationId, requesterId: actor.agencyId!, purpose, scenario }),
        // An authorization's end by time is its own: the view is not kept past it.
        (found) => found.authorization && { persons: [found.authorization.personId], until: new Date(found.authorization.validUntil) },
      );
      await organisationOf(deps.pool, actor, 'requester', facts.requesterKind);
      const row = facts.authorization;
      if (!row || row.requesterId !== actor.agencyId) {
        if (row) await deps.queryLog.refusedRead(actor, { subject: authorizationWorkflowId(authorizationId), personIds: [row.personId], purpose: "another requester's authorization" });
        throw new ApiError(404, 'not-found', `No authorization ${authorizationId} for ${actor.agencyId}`, 'authorizationId');
      }
      if (row.state !== 'active' || !row.inTime) {
        const ended = row.state === 'revoked' ? `revoked at ${row.endedAt}` : `expired at ${row.validUntil}`;
        await refuse(deps, actor, row, 403, 'authorization-ended', `The authorization ${ended}`, 'authorizationId');
      }
      if (purpose !== row.purpose) await refuse(deps, actor, row, 403, 'purpose-not-authorized', `The authorization is for ${row.purpose}, not ${purpose}`, 'querystring.purpose');
      if (scenario !== row.scenario) await refuse(deps, actor, row, 403, 'scenario-not-authorized', `The authorization is for the ${row.scenario} scenario, not ${scenario}`, 'querystring.scenario');
      const published = facts.purpose;
      if (!published?.inForce) await refuse(deps, actor, row, 403, 'purpose-withdrawn', `NDRC no longer publishes the purpose ${purpose} (Art. 12, 15)`, 'querystring.purpose');
      if (!published!.registered) await refuse(deps, actor, row, 403, 'requester-not-registered', `${actor.agencyId} is no longer registered for the purpose ${purpose}`, 'querystring.purpose');
      await requireAgreement(deps, actor, row.personId, `${purpose} query by ${actor.agencyId}`, row.agreed);
      const { score } = facts;
      if (!score) await refuse(deps, actor, row, 404, 'not-found', `The person has no ${scenario} score (Art. 3: not in scope)`, 'authorizationId');
      await deps.queryLog.personRead(actor, [row.personId], `${purpose} (${scenario})`, `${published!.legalBasis}; authorization ${authorizationId}`);
      const { discloses } = published!;
      return {
        authorizationId,
        purpose,
        scenario,
        ...(discloses.includes('score') ? { score: score!.score } : {}),
        ...(discloses.includes('level') ? { level: score!.level } : {}),
        computedAt: score!.computedAt,
      };
    },
  );
};
