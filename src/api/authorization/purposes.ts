import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DISCLOSABLE, purposeCodeSchema, purposeSchema } from '../../domain/authorization';
import {
  queryPurposeSummary,
  queryPurposeWorkflowId,
  queryPurposeWorkflowType,
  type PublishedPurpose,
  type PurposeChange,
  type PurposeChangeOutcome,
  type PurposeRegistration,
  type QueryPurposeWorkflow,
} from '../../workflows/authorization/contract';
import { actorOf } from '../auth';
import { refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { instantView } from '../shared/formats';
import { throughTemporal } from '../workflow-failures';
import { purposesInForce } from './queries';

const purposeView = z.object({
  code: z.string(),
  version: z.number(),
  legalBasis: z.string(),
  description: z.string(),
  scenarios: z.array(z.string()),
  discloses: z.array(z.enum(DISCLOSABLE)),
  publishedAt: instantView,
  requesters: z.array(z.string()).describe('the requesters registered for it'),
});

/** Art. 12, 15, 18: the purposes a third party may query a score for, published and versioned by NDRC. */
export const purposeRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  // A publication answers with its version, a registration with the registration: the change's kind says which.
  const changePurpose = async <Outcome extends PurposeChangeOutcome>(change: PurposeChange): Promise<Outcome & { workflowId: string }> => {
    const workflowId = queryPurposeWorkflowId(change.code, randomUUID());
    const outcome = await throughTemporal(
      () =>
        deps.client.workflow.execute<QueryPurposeWorkflow>(queryPurposeWorkflowType, {
          taskQueue: deps.taskQueue,
          workflowId,
          args: [change],
          staticSummary: queryPurposeSummary(change.code),
        }),
      { message: `No purpose ${change.code}`, field: 'code' },
    );
    return { ...(outcome as Outcome), workflowId };
  };

  app.get(
    '/purposes',
    {
      schema: {
        summary: 'The purposes a third party may query a score for, with their legal basis, what each discloses and who may use it (Art. 12, 15, 18)',
        tags: ['authorizations'],
        security: [],
        response: { 200: z.object({ purposes: z.array(purposeView) }) },
      },
    },
    async () => ({ purposes: (await purposesInForce(deps.pool)) as z.infer<typeof purposeView>[] }),
  );

  app.put(
    '/purposes/:code',
    {
      config: { roles: ['ndrc'] },
      schema: {
        summary: 'Publish a new version of a purpose, in force from now, or withdraw it with inForce false (Art. 12, 15, 18, NDRC)',
        description:
          'A purpose says which scenarios a requester may read under a person\'s authorization and what it discloses of them. ' +
          'Queries are answered by the version in force when they are asked; a withdrawn purpose answers none.',
        tags: ['authorizations'],
        params: z.strictObject({ code: purposeCodeSchema }),
        body: purposeSchema,
        response: { 200: z.object({ code: z.string(), version: z.number(), publishedAt: instantView, workflowId: z.string() }), ...refusals(422) },
      },
    },
    async (request) => changePurpose<PublishedPurpose>({ kind: 'publish', code: request.params.code, ...request.body, changedBy: actorOf(request).subject }),
  );

  app.put(
    '/purposes/:code/requesters/:requesterId',
    {
      config: { roles: ['ndrc'] },
      schema: {
        summary: 'Register a requester for a purpose, or end its registration (Art. 15, 18, NDRC)',
        description: 'Only a requester registered for a purpose may be authorized for it, and query under it.',
        tags: ['authorizations'],
        params: z.strictObject({ code: purposeCodeSchema, requesterId: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lower-case letters, digits or dashes') }),
        body: z.strictObject({ registered: z.boolean() }),
        response: { 200: z.object({ code: z.string(), requesterId: z.string(), registered: z.boolean(), workflowId: z.string() }), ...refusals(422) },
      },
    },
    async (request) =>
      changePurpose<PurposeRegistration>({ kind: 'register', code: request.params.code, requesterId: request.params.requesterId, registered: request.body.registered, changedBy: actorOf(request).subject }),
  );
};
